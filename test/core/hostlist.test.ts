import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { compressHostlist, countHostlist, expandHostlist, HostlistError } from '../../src/core/hostlist.js';

function errorOf(fn: () => unknown): HostlistError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HostlistError) return err;
    throw err;
  }
  throw new Error('expected a HostlistError');
}

describe('expandHostlist', () => {
  it.each([
    ['compute-c5-1', ['compute-c5-1']],
    ['compute-c5-[1-3,7]', ['compute-c5-1', 'compute-c5-2', 'compute-c5-3', 'compute-c5-7']],
    ['n[001-003]', ['n001', 'n002', 'n003']],
    ['n[1-010]', ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9', 'n10']],
    ['n[9-11]', ['n9', 'n10', 'n11']],
    ['n[098-100]', ['n098', 'n099', 'n100']],
    ['n[1,01]', ['n1', 'n01']],
    ['rack[1-2]-n[01-02]', ['rack1-n01', 'rack1-n02', 'rack2-n01', 'rack2-n02']],
    ['a[1-2]b[3-4]c[5-6]', ['a1b3c5', 'a1b3c6', 'a2b3c5', 'a2b3c6', 'a1b4c5', 'a1b4c6', 'a2b4c5', 'a2b4c6']],
    ['a[1-2],b7', ['a1', 'a2', 'b7']],
    ['n1,n1', ['n1', 'n1']],
    ['n[5,1-3]', ['n5', 'n1', 'n2', 'n3']],
    ['a,,b, c\td\ne', ['a', 'b', 'c', 'd', 'e']],
    ['[1-2]', ['1', '2']],
    ['', []],
    [' , ', []],
  ])('%j', (expr, names) => {
    expect(expandHostlist(expr)).toEqual(names);
    expect(countHostlist(expr)).toBe(names.length);
  });

  it.each([
    ['compute-c5-[1-', "unclosed '[' at character 12"],
    ['compute-c5-1]', "unmatched ']' at character 13"],
    ['compute-c5-[3-1]', 'reversed range 3-1 at character 13'],
    ['compute-c5-[a-b]', 'range "a-b" is not N or N-M with digits only at character 13'],
    ['n[1-]', 'range "1-" is not N or N-M'],
    ['n[+1]', 'range "+1" is not N or N-M'],
    ['n[]', 'empty brackets [] at character 2'],
    ['n[1,,2]', 'empty range in brackets at character 5'],
    ['x[[1]]', "nested '[' at character 3"],
    ['n[1 -2]', 'whitespace inside brackets at character 4'],
    ['n[1-2]x', 'text "x" after the last \']\' (Slurm allows none) at character 7'],
    ['ok,n[1-2]0', 'text "0" after the last'],
    ['n[1-65537]', "range 1-65537 holds more than 65536 names (Slurm's limit) at character 3"],
    ['n[9223372036854775808]', 'too large'],
    ['n99999999999999999999', 'too large'],
    ['n\r1', 'control character "\\r" at character 2'],
  ])('rejects %j as a whole: %s', (expr, why) => {
    const err = errorOf(() => expandHostlist(expr));
    expect(err.message).toContain(why);
    expect(err).toMatchObject({ code: 'HOSTLIST_INVALID', subject: expr, exitCode: ExitCode.usage });
  });

  it('reports a stray bracket before a bad range, wherever they are', () => {
    expect(errorOf(() => expandHostlist('a[3-1],b]')).message).toBe("unmatched ']' at character 9");
  });

  it('refuses expansions past the limit before building them', () => {
    expect(() => expandHostlist('n[1-100]', 99)).toThrow('expands to more than 99 names at character 1');
    expect(expandHostlist('n[1-100]', 100)).toHaveLength(100);
    // 65536^2 names would exhaust memory long before any check at the end.
    expect(() => expandHostlist('a[1-65536]b[1-65536]')).toThrow('expands to more than 65536 names');
    expect(countHostlist('a[1-65536]b[1-65536]')).toBe(65536 * 65536);
  });

  it('reads as one line for a person', () => {
    expect(errorOf(() => expandHostlist('n[3-1]')).toLine()).toBe(
      'n[3-1]: reversed range 3-1 at character 3. Write names like compute-c5-[1-3,7] or rack[1-2]-n[01-02].',
    );
  });
});

describe('compressHostlist', () => {
  it.each([
    [['n1', 'n2', 'n3', 'n7'], 'n[1-3,7]'],
    [['n1'], 'n1'],
    [['login'], 'login'],
    [['n9', 'n10', 'n11'], 'n[9-11]'],
    [['n098', 'n099', 'n100'], 'n[098-100]'],
    [['n1', 'n01', 'n02'], 'n[1,01-02]'],
    [['n09', 'n9'], 'n[09,9]'],
    [['n3', 'n2', 'n1'], 'n[3,2,1]'],
    [['n1', 'n1'], 'n[1,1]'],
    [['a1', 'b1', 'a2'], 'a1,b1,a2'],
    [['rack1-n01', 'rack1-n02', 'rack2-n01'], 'rack1-n[01-02],rack2-n01'],
    [['x', 'n1', 'n2', 'y'], 'x,n[1-2],y'],
    [['1', '2', '3'], '[1-3]'],
    [[], ''],
  ])('%j is %s', (names, expr) => {
    expect(compressHostlist(names)).toBe(expr);
    expect(expandHostlist(expr)).toEqual(names);
  });

  it('splits a run longer than one Slurm range', () => {
    const names = expandHostlist('n[1-65536],n[65537-70000]', 70_000);
    expect(compressHostlist(names)).toBe('n[1-65536,65537-70000]');
  });

  it.each([
    [['a', ''], 'name 2 of the list is empty'],
    [['a,b'], 'name 1 of the list holds ","'],
    [['n[1]'], 'name 1 of the list holds "["'],
    [['a b'], 'holds " "'],
    [['a\u0001'], 'control character'],
    [['n99999999999999999999'], 'too large'],
  ])('refuses %j: %s', (names, why) => {
    const err = errorOf(() => compressHostlist(names));
    expect(err.message).toContain(why);
    expect(err.exitCode).toBe(ExitCode.usage);
  });
});

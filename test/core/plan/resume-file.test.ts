import { describe, expect, it } from 'vitest';
import { parseResumeFile } from '../../../src/core/resume-file.js';

describe('parseResumeFile', () => {
  it('reads the 22.05 names (as seen from the real slurmctld)', () => {
    const r = parseResumeFile('{"jobs":[{"job_id":1,"nodes":"compute-1"}],"all_nodes":"compute-1"}');
    expect(r).toEqual({
      ok: true,
      value: { allNodes: 'compute-1', jobs: [{ jobId: 1, nodesResume: 'compute-1', nodesAlloc: 'compute-1' }] },
    });
  });

  it('reads the 23.02+ names', () => {
    const r = parseResumeFile(
      JSON.stringify({
        all_nodes_resume: 'c-[1-3]',
        jobs: [
          { job_id: 7, nodes_alloc: 'c-[1-4]', nodes_resume: 'c-[1-3]', partition: 'p', features: 'f', extra: null },
        ],
      }),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        allNodes: 'c-[1-3]',
        jobs: [{ jobId: 7, nodesResume: 'c-[1-3]', nodesAlloc: 'c-[1-4]', partition: 'p', features: 'f' }],
      },
    });
  });

  it('accepts nodes powered up by hand (no jobs)', () => {
    expect(parseResumeFile('{"all_nodes_resume":"c-1","jobs":[]}')).toEqual({
      ok: true,
      value: { allNodes: 'c-1', jobs: [] },
    });
  });

  it.each([
    ['not json', 'not JSON'],
    ['[]', 'not a JSON object'],
    ['{"jobs":[]}', 'neither all_nodes_resume nor all_nodes'],
    ['{"all_nodes":"a","jobs":{}}', 'jobs is not an array'],
    ['{"all_nodes":"a","jobs":[{"nodes":"a"}]}', 'jobs[0] has no numeric job_id'],
    ['{"all_nodes":"a","jobs":[{"job_id":1}]}', 'jobs[0] has neither nodes_resume nor nodes'],
  ])('rejects %s', (text, error) => {
    const r = parseResumeFile(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error).toContain(error);
  });
});

import { describe, expect, it } from 'vitest';
import { parseNodeName, splitNodeName } from '../../src/core/naming.js';
import { clusterConfig } from './plan/fixture.js';

describe('splitNodeName and parseNodeName', () => {
  const config = clusterConfig('aws'); // compute: c5 (maxNodes 5000), m5 (maxNodes 20)

  it('splits any <partition>-<shape>-<index> name without the config', () => {
    expect(splitNodeName('compute-m5-21')).toEqual({ partition: 'compute', shape: 'm5', index: 21 });
    expect(splitNodeName('gpu-t4-2')).toEqual({ partition: 'gpu', shape: 't4', index: 2 });
    for (const name of ['login1', 'compute-c5-0', 'compute-c5-01', 'compute-c5', 'Compute-c5-1', 'a-b-c-1'])
      expect(splitNodeName(name), name).toBeUndefined();
  });

  it('maps only names the config lists: index up to maxNodes, known partition and shape', () => {
    expect(parseNodeName(config, 'compute-m5-20')).toMatchObject({ index: 20, shape: { name: 'm5' } });
    for (const name of ['compute-m5-21', 'compute-x5-1', 'gpu-m5-1', 'login1'])
      expect(parseNodeName(config, name), name).toBeUndefined();
  });
});

/**
 * SLURM_RESUME_FILE: the JSON slurmctld writes for ResumeProgram (21.08+). Slurm 22.05 names the
 * fields `all_nodes` and `jobs[].nodes`; 23.02+ names them `all_nodes_resume`, `jobs[].nodes_alloc`
 * and `jobs[].nodes_resume`. Both are accepted; hostlists stay unexpanded here.
 */
export interface ResumeFileJob {
  jobId: number;
  /** Hostlist of the job's nodes that this call resumes. */
  nodesResume: string;
  /** Hostlist of all nodes allocated to the job (23.02+; equals nodesResume on 22.05). */
  nodesAlloc: string;
  partition?: string;
  features?: string;
}

export interface ResumeFile {
  allNodes: string;
  jobs: ResumeFileJob[];
}

export type ResumeFileResult = { ok: true; value: ResumeFile } | { ok: false; error: string };

export function parseResumeFile(text: string): ResumeFileResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
  if (!isObject(raw)) return { ok: false, error: 'not a JSON object' };
  const allNodes = str(raw.all_nodes_resume) ?? str(raw.all_nodes);
  if (allNodes === undefined) return { ok: false, error: 'neither all_nodes_resume nor all_nodes is a string' };
  const jobsRaw = raw.jobs ?? [];
  if (!Array.isArray(jobsRaw)) return { ok: false, error: 'jobs is not an array' };
  const jobs: ResumeFileJob[] = [];
  for (const [i, j] of jobsRaw.entries()) {
    if (!isObject(j) || typeof j.job_id !== 'number') return { ok: false, error: `jobs[${i}] has no numeric job_id` };
    const nodesResume = str(j.nodes_resume) ?? str(j.nodes);
    if (nodesResume === undefined) return { ok: false, error: `jobs[${i}] has neither nodes_resume nor nodes` };
    const job: ResumeFileJob = { jobId: j.job_id, nodesResume, nodesAlloc: str(j.nodes_alloc) ?? nodesResume };
    const partition = str(j.partition);
    const features = str(j.features);
    if (partition !== undefined) job.partition = partition;
    if (features !== undefined) job.features = features;
    jobs.push(job);
  }
  return { ok: true, value: { allNodes, jobs } };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

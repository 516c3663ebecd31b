import type { DemoApi, JobWait } from "./api.ts";
import type { DemoRun, PublicationDemo, PublicationsDemo } from "./types.ts";

/** What `POST …/publications` and `…/approve` answer, as far as the demo reads them. */
interface PublicationAnswer {
  readonly publicationId?: string;
  readonly status?: string;
  readonly targets?: PublicationDemo["targets"];
  readonly approval?: { readonly jobs?: readonly string[] } | null;
  readonly error?: { readonly message?: string };
}

export interface PublishOptions {
  readonly eventId: string;
  readonly wait: JobWait;
  /** Result rows RunSignUp's fake has stored so far. */
  readonly rowsPosted: () => Promise<number>;
}

export interface Published {
  readonly publications: PublicationsDemo;
  /** Every publish job the approvals queued, as each ended. */
  readonly runs: readonly DemoRun[];
}

/**
 * The final results published twice, each prepared then approved: the first sends what changed
 * (every row, the first time), the second — of the same results — must queue no job and send
 * nothing. A 404 from the publications route means this stack has none yet: "not available".
 */
export async function publishResults(api: DemoApi, options: PublishOptions): Promise<Published> {
  const first = await publishOnce(api, options);
  if ("notAvailable" in first) return { publications: { available: false }, runs: [] };
  if ("problem" in first) return { publications: { available: true, problem: first.problem }, runs: [] };
  const second = await publishOnce(api, options);
  const runs = [...first.runs, ...("runs" in second ? second.runs : [])];
  if (!("publication" in second)) {
    const problem = "notAvailable" in second ? "the second prepare answered 404" : second.problem;
    return { publications: { available: true, first: first.publication, problem }, runs };
  }
  return {
    publications: { available: true, first: first.publication, second: second.publication },
    runs,
  };
}

type Once =
  | { readonly publication: PublicationDemo; readonly runs: readonly DemoRun[] }
  | { readonly notAvailable: true }
  | { readonly problem: string };

async function publishOnce(api: DemoApi, options: PublishOptions): Promise<Once> {
  const base = `/events/${encodeURIComponent(options.eventId)}/publications`;
  const prepared = await api.call<PublicationAnswer>("POST", base, { kind: "final" });
  if (prepared.status === 404) return { notAvailable: true };
  const publicationId = prepared.body?.publicationId;
  if (prepared.status !== 201 || publicationId === undefined)
    return { problem: refused("prepare", prepared.status, prepared.body) };
  const before = await options.rowsPosted();
  const approved = await api.call<PublicationAnswer>(
    "POST",
    `${base}/${encodeURIComponent(publicationId)}/approve`,
  );
  if (approved.status !== 200) return { problem: refused("approve", approved.status, approved.body) };
  const jobs = approved.body?.approval?.jobs ?? [];
  const runs = await Promise.all(jobs.map((jobId) => api.waitFor(jobId, options.wait)));
  return {
    publication: {
      publicationId,
      status: approved.body?.status ?? "unknown",
      targets: prepared.body?.targets ?? [],
      jobs,
      rowsPosted: (await options.rowsPosted()) - before,
    },
    runs,
  };
}

function refused(step: string, status: number, body: PublicationAnswer | undefined): string {
  return `${step} answered HTTP ${status} ${body?.error?.message ?? ""}`.trim();
}

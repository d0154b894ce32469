import { condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ApplicationInfo } from './contracts/applications.js';
import { applicationIdOf, validateCreateApplication } from './contracts/applications.js';
import { joinProblems } from './contracts/values.js';
import { applicationsQuery, createApplicationUpdate } from './messages.js';

const EVENTS_BEFORE_CONTINUE_AS_NEW = 2_000;
/** CodeDeploy's quota of applications per account and region. */
const MAX_APPLICATIONS = 1000;

/**
 * The catalog of applications (CreateApplication): each one's compute platform, which its deployment
 * groups share. Created by update-with-start on first use; validators refuse bad requests before
 * they reach history. Continues as new to stay small.
 */
export async function applications(state: { applications?: ApplicationInfo[] } = {}): Promise<never> {
  const known = new Map<string, ApplicationInfo>((state.applications ?? []).map((a) => [a.applicationName, a]));
  setHandler(
    createApplicationUpdate,
    (request) => {
      const existing = known.get(request.applicationName);
      if (existing) return existing;
      const created: ApplicationInfo = { applicationName: request.applicationName, applicationId: applicationIdOf(request.applicationName), computePlatform: request.computePlatform ?? 'Server', createTime: new Date().toISOString() };
      known.set(created.applicationName, created);
      return created;
    },
    {
      validator: (request) => {
        const problems = validateCreateApplication(request);
        if (problems.length > 0) throw new Error(`invalid application: ${joinProblems(problems)}`);
        const existing = known.get(request.applicationName);
        if (existing && !request.ifAbsent) throw new Error(`application ${request.applicationName} already exists (ApplicationAlreadyExists)`);
        if (!existing && known.size >= MAX_APPLICATIONS) throw new Error(`at most ${MAX_APPLICATIONS} applications can exist`);
      },
    },
  );
  setHandler(applicationsQuery, () => [...known.values()].sort((a, b) => a.applicationName.localeCompare(b.applicationName)));
  await condition(() => workflowInfo().historyLength > EVENTS_BEFORE_CONTINUE_AS_NEW || workflowInfo().continueAsNewSuggested);
  return continueAsNew<typeof applications>({ applications: [...known.values()] });
}

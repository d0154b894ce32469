import { condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ApplicationInfo } from './contracts/applications.js';
import { applicationIdOf, validateApplicationName, validateCreateApplication } from './contracts/applications.js';
import type { RegisteredRevision } from './contracts/application-revisions.js';
import { MAX_REGISTERED_REVISIONS, revisionKey, validateRegisterRevision } from './contracts/application-revisions.js';
import { joinProblems } from './contracts/values.js';
import { applicationRevisionsQuery, applicationsQuery, createApplicationUpdate, deleteApplicationUpdate, registerApplicationRevisionUpdate, renameApplicationUpdate } from './messages.js';

const EVENTS_BEFORE_CONTINUE_AS_NEW = 2_000;
/** CodeDeploy's quota of applications per account and region. */
const MAX_APPLICATIONS = 1000;

export interface ApplicationsState {
  applications?: ApplicationInfo[];
  revisions?: RegisteredRevision[];
}

/**
 * The catalog of applications (CreateApplication): each one's compute platform, which its deployment
 * groups share, and its registered revisions (RegisterApplicationRevision). Created by
 * update-with-start on first use; validators refuse bad requests before they reach history.
 * Continues as new to stay small.
 */
export async function applications(state: ApplicationsState = {}): Promise<never> {
  const known = new Map<string, ApplicationInfo>((state.applications ?? []).map((a) => [a.applicationName, a]));
  /** Registered revisions by application, then by revision key. */
  const revisions = new Map<string, Map<string, RegisteredRevision>>();
  const revisionsOf = (applicationName: string): Map<string, RegisteredRevision> => {
    let found = revisions.get(applicationName);
    if (!found) revisions.set(applicationName, (found = new Map()));
    return found;
  };
  for (const registered of state.revisions ?? []) revisionsOf(registered.applicationName).set(revisionKey(registered.revision), registered);
  const registeredCount = (): number => [...revisions.values()].reduce((n, m) => n + m.size, 0);
  const existing = (applicationName: string): ApplicationInfo => {
    const found = known.get(applicationName);
    if (!found) throw new Error(`application ${applicationName} does not exist (ApplicationDoesNotExist)`);
    return found;
  };

  setHandler(
    createApplicationUpdate,
    (request) => {
      const existingApplication = known.get(request.applicationName);
      if (existingApplication) return existingApplication;
      const created: ApplicationInfo = { applicationName: request.applicationName, applicationId: applicationIdOf(request.applicationName), computePlatform: request.computePlatform ?? 'Server', createTime: new Date().toISOString() };
      known.set(created.applicationName, created);
      return created;
    },
    {
      validator: (request) => {
        const problems = validateCreateApplication(request);
        if (problems.length > 0) throw new Error(`invalid application: ${joinProblems(problems)}`);
        const existingApplication = known.get(request.applicationName);
        if (existingApplication && !request.ifAbsent) throw new Error(`application ${request.applicationName} already exists (ApplicationAlreadyExists)`);
        if (!existingApplication && known.size >= MAX_APPLICATIONS) throw new Error(`at most ${MAX_APPLICATIONS} applications can exist`);
      },
    },
  );
  setHandler(applicationsQuery, () => [...known.values()].sort((a, b) => a.applicationName.localeCompare(b.applicationName)));

  setHandler(
    deleteApplicationUpdate,
    ({ applicationName }) => {
      known.delete(applicationName);
      revisions.delete(applicationName);
    },
    { validator: ({ applicationName }) => void existing(applicationName) },
  );

  setHandler(
    renameApplicationUpdate,
    ({ applicationName, newApplicationName }) => {
      const before = existing(applicationName);
      const renamed: ApplicationInfo = { ...before, applicationName: newApplicationName, formerNames: [applicationName, ...(before.formerNames ?? [])].filter((n) => n !== newApplicationName).slice(0, 10) };
      known.delete(applicationName);
      known.set(newApplicationName, renamed);
      const moved = revisions.get(applicationName);
      revisions.delete(applicationName);
      if (moved) revisions.set(newApplicationName, new Map([...moved].map(([key, r]) => [key, { ...r, applicationName: newApplicationName }])));
      return renamed;
    },
    {
      validator: ({ applicationName, newApplicationName }) => {
        existing(applicationName);
        const problems = validateApplicationName(newApplicationName, 'newApplicationName');
        if (problems.length > 0) throw new Error(`invalid application name: ${joinProblems(problems)}`);
        if (known.has(newApplicationName)) throw new Error(`application ${newApplicationName} already exists (ApplicationAlreadyExists)`);
      },
    },
  );

  setHandler(
    registerApplicationRevisionUpdate,
    (request) => {
      const ofApplication = revisionsOf(request.applicationName);
      const key = revisionKey(request.revision);
      const before = ofApplication.get(key);
      // Registering again keeps the first registration time and takes the new description, as CodeDeploy.
      const registered: RegisteredRevision = {
        applicationName: request.applicationName,
        revision: request.revision,
        ...(request.description ?? before?.description ? { description: request.description ?? before?.description } : {}),
        registerTime: before?.registerTime ?? new Date().toISOString(),
      };
      ofApplication.set(key, registered);
      return registered;
    },
    {
      validator: (request) => {
        const application = existing(request.applicationName);
        const problems = validateRegisterRevision(request, application.computePlatform);
        if (problems.length > 0) throw new Error(`invalid revision: ${joinProblems(problems)}`);
        const isNew = !revisions.get(request.applicationName)?.has(revisionKey(request.revision));
        if (isNew && registeredCount() >= MAX_REGISTERED_REVISIONS) throw new Error(`at most ${MAX_REGISTERED_REVISIONS} revisions can be registered (RevisionLimitExceeded); revisions that deployments used need no registration`);
      },
    },
  );
  setHandler(applicationRevisionsQuery, (applicationName) => [...(revisions.get(applicationName)?.values() ?? [])]);

  await condition(() => workflowInfo().historyLength > EVENTS_BEFORE_CONTINUE_AS_NEW || workflowInfo().continueAsNewSuggested);
  return continueAsNew<typeof applications>({ applications: [...known.values()], revisions: [...revisions.values()].flatMap((m) => [...m.values()]) });
}

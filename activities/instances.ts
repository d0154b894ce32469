/** EC2 instances a blue/green deployment retires (TERMINATE): terminated, and safe to ask again. */
import { type EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';

/**
 * Terminates the instances. TerminateInstances succeeds for an instance already shutting down or
 * terminated, so a repeat is harmless; an ID EC2 no longer knows at all is gone already, so it is
 * dropped and the rest are asked again.
 */
export async function terminateInstances(ec2: EC2Client, instanceIds: readonly string[]): Promise<{ terminated: string[] }> {
  let remaining = [...instanceIds];
  const terminated: string[] = [];
  while (remaining.length > 0) {
    try {
      const out = await ec2.send(new TerminateInstancesCommand({ InstanceIds: remaining }));
      terminated.push(...(out.TerminatingInstances ?? []).map((i) => i.InstanceId ?? '').filter(Boolean));
      return { terminated };
    } catch (err) {
      const name = (err as Error).name;
      if (name !== 'InvalidInstanceID.NotFound' && name !== 'InvalidInstanceID.Malformed') throw err;
      // The message names the unknown IDs; without them, none can be told apart, and all are gone.
      const unknown = remaining.filter((id) => (err as Error).message.includes(id));
      if (unknown.length === 0) return { terminated };
      terminated.push(...unknown);
      remaining = remaining.filter((id) => !unknown.includes(id));
    }
  }
  return { terminated };
}

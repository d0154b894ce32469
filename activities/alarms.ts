import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';

/** The alarms in ALARM, and the names CloudWatch does not know. */
export async function pollAlarms(cloudwatch: CloudWatchClient, alarmNames: string[]): Promise<{ inAlarm: string[]; missing: string[] }> {
  const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: alarmNames, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
  const found = [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])];
  const known = new Set(found.map((a) => a.AlarmName));
  return {
    inAlarm: found.filter((a) => a.StateValue === 'ALARM').map((a) => a.AlarmName as string),
    missing: alarmNames.filter((name) => !known.has(name)),
  };
}

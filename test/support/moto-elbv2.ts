import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { inject } from 'vitest';
import { motoEnv } from './harness.js';

/** The default VPC of moto's us-east-1, read with a raw EC2 Query call (moto does not check signatures). */
async function defaultVpcId(): Promise<string> {
  const response = await fetch(inject('motoEndpoint'), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto routes by the credential scope's service and region.
      authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: 'Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=isDefault&Filter.1.Value.1=true',
  });
  const text = await response.text();
  const id = /<vpcId>(vpc-[0-9a-f]+)<\/vpcId>/.exec(text)?.[1];
  if (!id) throw new Error(`moto returned no default VPC: ${text.slice(0, 300)}`);
  return id;
}

export function motoElbv2(): ElasticLoadBalancingV2Client {
  const env = motoEnv();
  return new ElasticLoadBalancingV2Client({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID as string, secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string },
  });
}

/** An IP target group (or an instance one) in moto's default VPC; returns its ARN. */
export async function createIpTargetGroup(elb: ElasticLoadBalancingV2Client, name: string, targetType: 'ip' | 'instance' = 'ip'): Promise<string> {
  const out = await elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 8080, VpcId: await defaultVpcId(), TargetType: targetType }));
  return out.TargetGroups?.[0]?.TargetGroupArn as string;
}

/** Subnet IDs of moto's default VPC (two zones, as an application load balancer needs). */
async function defaultSubnetIds(): Promise<string[]> {
  const response = await fetch(inject('motoEndpoint'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0' },
    body: 'Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=default-for-az&Filter.1.Value.1=true',
  });
  const ids = [...(await response.text()).matchAll(/<subnetId>(subnet-[0-9a-f]+)<\/subnetId>/g)].map((m) => m[1] as string);
  if (ids.length < 2) throw new Error(`moto returned fewer than two default subnets: ${ids.join(', ')}`);
  return ids.slice(0, 2);
}

/** An application load balancer with an HTTP listener forwarding to `targetGroupArn`; returns the listener's ARN. */
export async function createLoadBalancerListener(elb: ElasticLoadBalancingV2Client, name: string, targetGroupArn: string): Promise<string> {
  const lb = await elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: await defaultSubnetIds(), Type: 'application', Scheme: 'internal' }));
  const listener = await elb.send(
    new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }] }),
  );
  return listener.Listeners?.[0]?.ListenerArn as string;
}

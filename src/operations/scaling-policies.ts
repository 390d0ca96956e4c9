/**
 * Scaling policies: PutScalingPolicy (creates or replaces a policy by name), DescribeScalingPolicies,
 * DeleteScalingPolicy. Policies are kept in the fleet's state and evaluated once a minute on the
 * service clock (fleets/scaling.ts); StopFleetActions with AUTO_SCALING suspends them in a location.
 */
import type {
  DeleteScalingPolicyInput,
  DescribeScalingPoliciesInput,
  DescribeScalingPoliciesOutput,
  PutScalingPolicyInput,
  PutScalingPolicyOutput,
  ScalingPolicy,
} from "@aws-sdk/client-gamelift";
import { startScaling, type StoredScalingPolicy } from "../fleets/scaling.js";
import { invalidRequest, notFound } from "../protocol/errors.js";
import type { FleetRecord } from "../store/types.js";
import type { RequestContext, Services } from "./context.js";
import { liveForChange } from "./fleets.js";
import { requireLocation, requireManagedFleet } from "./instances.js";
import { filteredPage, sliceAfter } from "./paging.js";

const RULE_MEMBERS = ["ScalingAdjustment", "ScalingAdjustmentType", "Threshold", "ComparisonOperator", "EvaluationPeriods"] as const;

/** The policy as GameLift accepts it: a rule with all its parts, or a target on PercentAvailableGameSessions. */
function toStored(input: PutScalingPolicyInput): StoredScalingPolicy {
  const policyType = input.PolicyType ?? "RuleBased";
  if (policyType === "TargetBased") {
    if (!input.TargetConfiguration) throw invalidRequest("A TargetBased policy needs a TargetConfiguration (TargetValue, a percentage).");
    if (input.MetricName !== "PercentAvailableGameSessions") {
      throw invalidRequest(`A TargetBased policy tracks PercentAvailableGameSessions, not ${input.MetricName}.`);
    }
    const target = input.TargetConfiguration.TargetValue!;
    if (!(target >= 0 && target < 100)) throw invalidRequest(`TargetValue ${target} must be a percentage from 0 to below 100.`);
    return { name: input.Name!, policyType, metricName: input.MetricName, targetValue: target, breaches: {} };
  }
  const missing = RULE_MEMBERS.filter((m) => input[m] === undefined);
  if (missing.length) throw invalidRequest(`A RuleBased policy needs ${missing.join(", ")}.`);
  if (input.TargetConfiguration) throw invalidRequest("TargetConfiguration applies to TargetBased policies.");
  return {
    name: input.Name!,
    policyType,
    metricName: input.MetricName!,
    comparisonOperator: input.ComparisonOperator,
    threshold: input.Threshold,
    evaluationPeriods: input.EvaluationPeriods,
    scalingAdjustment: input.ScalingAdjustment,
    scalingAdjustmentType: input.ScalingAdjustmentType,
    breaches: {},
  };
}

function toPolicy(fleet: FleetRecord, p: StoredScalingPolicy, location: string): ScalingPolicy {
  return {
    FleetId: fleet.fleetId,
    FleetArn: fleet.fleetArn,
    Name: p.name,
    Status: "ACTIVE",
    PolicyType: p.policyType,
    MetricName: p.metricName as ScalingPolicy["MetricName"],
    ...(p.policyType === "TargetBased"
      ? { TargetConfiguration: { TargetValue: p.targetValue! } }
      : {
          ScalingAdjustment: p.scalingAdjustment,
          ScalingAdjustmentType: p.scalingAdjustmentType as ScalingPolicy["ScalingAdjustmentType"],
          ComparisonOperator: p.comparisonOperator as ScalingPolicy["ComparisonOperator"],
          Threshold: p.threshold,
          EvaluationPeriods: p.evaluationPeriods,
        }),
    Location: location,
  };
}

export async function putScalingPolicy(
  services: Services,
  ctx: RequestContext,
  input: PutScalingPolicyInput,
): Promise<PutScalingPolicyOutput> {
  const { fleet } = await requireManagedFleet(services, ctx, input.FleetId!, "PutScalingPolicy");
  const policy = toStored(input);
  await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, "PutScalingPolicy");
    const others = (t.state.scalingPolicies ?? []).filter((p) => p.name !== policy.name);
    const target = others.find((p) => p.policyType === "TargetBased");
    if (policy.policyType === "TargetBased" && target) {
      throw invalidRequest(`Fleet ${t.id} already has a TargetBased policy, ${target.name}; a fleet has at most one.`);
    }
    const existing = (t.state.scalingPolicies ?? []).findIndex((p) => p.name === policy.name);
    const list = [...(t.state.scalingPolicies ?? [])];
    if (existing >= 0) list[existing] = policy;
    else list.push(policy);
    t.state.scalingPolicies = list;
    startScaling(t);
  });
  return { Name: policy.name };
}

export async function describeScalingPolicies(
  services: Services,
  ctx: RequestContext,
  input: DescribeScalingPoliciesInput,
): Promise<DescribeScalingPoliciesOutput> {
  const { fleet, state } = await requireManagedFleet(services, ctx, input.FleetId!, "DescribeScalingPolicies");
  if (input.Location) requireLocation(fleet, input.Location);
  // Every policy is ACTIVE once put (a deleted one is gone at once).
  const all = input.StatusFilter && input.StatusFilter !== "ACTIVE" ? [] : (state.scalingPolicies ?? []);
  const { items, nextToken } = await filteredPage(
    services,
    ctx,
    {
      ...input,
      operation: "DescribeScalingPolicies",
      filters: [fleet.fleetId, input.StatusFilter ?? null, input.Location ?? null],
      defaultLimit: 50,
    },
    async (afterId, limit) => sliceAfter(all, (p) => p.name, afterId, limit),
    (p) => p.name,
  );
  return {
    ScalingPolicies: items.map((p) => toPolicy(fleet, p, input.Location ?? fleet.region)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

export async function deleteScalingPolicy(
  services: Services,
  ctx: RequestContext,
  input: DeleteScalingPolicyInput,
): Promise<Record<string, never>> {
  const { fleet } = await requireManagedFleet(services, ctx, input.FleetId!, "DeleteScalingPolicy");
  await services.lifecycle.change(ctx.scope, fleet.fleetId, (t) => {
    liveForChange(t, "DeleteScalingPolicy");
    const list = t.state.scalingPolicies ?? [];
    if (!list.some((p) => p.name === input.Name)) throw notFound(`Fleet ${t.id} has no scaling policy named ${input.Name}.`);
    t.state.scalingPolicies = list.filter((p) => p.name !== input.Name);
  });
  return {};
}

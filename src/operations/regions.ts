/** The regions GameLift runs in (home regions and remote locations). Others: UnsupportedRegionException. */
import { unsupportedRegion } from "../protocol/errors.js";

export const SUPPORTED_REGIONS: ReadonlySet<string> = new Set([
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "sa-east-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-east-1",
  "me-south-1",
  "me-central-1",
  "af-south-1",
  "il-central-1",
  "cn-north-1",
  "cn-northwest-1",
  "us-gov-west-1",
  "us-gov-east-1",
]);

export function checkRegion(region: string): void {
  if (!SUPPORTED_REGIONS.has(region)) {
    throw unsupportedRegion(`Region '${region}' is not a GameLift region. Sign requests for one of: ${[...SUPPORTED_REGIONS].join(", ")}.`);
  }
}

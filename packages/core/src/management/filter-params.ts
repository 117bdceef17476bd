/**
 * The management API's instance-filter query parameters besides `runtimeStatus`: Durable Functions' own
 * (`createdTimeFrom`, `createdTimeTo`, `instanceIdPrefix`) and taskhub's, in the order the dashboard writes them
 * into its URLs and requests. The list routes, the counts route and the bulk routes accept each of them.
 */
export const INSTANCE_FILTER_TEXT_PARAMS = [
  "name",
  "instanceIdPrefix",
  "createdTimeFrom",
  "createdTimeTo",
  "lastUpdatedTimeFrom",
  "lastUpdatedTimeTo",
  "customStatusContains",
] as const;

export type InstanceFilterTextParam = (typeof INSTANCE_FILTER_TEXT_PARAMS)[number];

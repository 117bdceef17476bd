/**
 * Pattern 5, human interaction: request an approval, then wait for the `ApprovalEvent` external event or a
 * timer (72 hours; APPROVAL_TIMEOUT_SECONDS shortens it), whichever comes first. Approve over HTTP with the
 * management API's raiseEvent route (the `sendEventPostUri` of the 202 answer, `{eventName}` = ApprovalEvent,
 * body `{"approved":true,"by":"ann"}`), or from code: `df.getClient().raiseEvent(id, "ApprovalEvent", ...)`,
 * which POST /api/approvals/{instanceId}/approve and /reject do. Without an answer in time, it escalates.
 */
import * as df from "@taskhub/durable-functions";
import type { DurableClient, HttpRequest, OrchestrationContext } from "@taskhub/durable-functions";
import { answer, jsonBody, startAndCheck } from "./http-util.js";
import { send } from "./outbox.js";
import { approvalTimeoutSeconds } from "./settings.js";

export interface ApprovalInput {
  item: string;
  timeoutSeconds: number;
}

export interface ApprovalEvent {
  approved: boolean;
  by?: string;
}

export type ApprovalOutput =
  { status: "Approved" | "Rejected"; by: string } | { status: "Escalated"; after: string };

df.app.activity("RequestApproval", {
  handler: ({ instanceId, item }: { instanceId: string; item: string }) =>
    send("approvalRequested", `please approve '${item}' (instance ${instanceId})`),
});
df.app.activity("ProcessApproval", {
  handler: ({ item, decision }: { item: string; decision: ApprovalEvent }) =>
    send(
      "approvalProcessed",
      `'${item}' ${decision.approved ? "approved" : "rejected"} by ${decision.by ?? "someone"}`,
    ),
});
df.app.activity("Escalate", {
  handler: (item: string) => send("escalated", `nobody answered for '${item}': escalated to the manager`),
});

df.app.orchestration("HumanInteraction", function* (context: OrchestrationContext) {
  const { item, timeoutSeconds } = context.df.getInput<ApprovalInput>();
  yield context.df.callActivity("RequestApproval", { instanceId: context.df.instanceId, item });

  const deadline = new Date(context.df.currentUtcDateTime.getTime() + timeoutSeconds * 1000);
  const timeoutTask = context.df.createTimer(deadline);
  const approvalTask = context.df.waitForExternalEvent("ApprovalEvent");
  const winner = yield context.df.Task.any([approvalTask, timeoutTask]);

  if (winner === approvalTask) {
    timeoutTask.cancel();
    const raw = approvalTask.result as ApprovalEvent | boolean;
    const decision: ApprovalEvent = typeof raw === "boolean" ? { approved: raw } : raw;
    yield context.df.callActivity("ProcessApproval", { item, decision });
    return {
      status: decision.approved ? "Approved" : "Rejected",
      by: decision.by ?? "someone",
    } satisfies ApprovalOutput;
  }
  yield context.df.callActivity("Escalate", item);
  return { status: "Escalated", after: `${timeoutSeconds} s` } satisfies ApprovalOutput;
});

/** POST /api/approvals with `{ "item": "..." }`: starts the workflow with the timeout from the settings. */
df.app.client.http("StartApproval", {
  route: "approvals",
  methods: ["POST"],
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, client: DurableClient) =>
    answer(async () => {
      const body = (await jsonBody<{ item?: string }>(request)) ?? {};
      return startAndCheck(request, client, "HumanInteraction", {
        item: body.item ?? "purchase order",
        timeoutSeconds: approvalTimeoutSeconds(),
      } satisfies ApprovalInput);
    }),
});

/** POST /api/approvals/{instanceId}/approve|reject with `{ "by": "..." }`: raises the event from code. */
df.app.client.http("AnswerApproval", {
  route: "approvals/{instanceId}/{decision}",
  methods: ["POST"],
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, client: DurableClient) =>
    answer(async () => {
      const { instanceId, decision } = request.params as { instanceId: string; decision: string };
      if (decision !== "approve" && decision !== "reject")
        return { status: 404, jsonBody: { error: "use approve or reject" } };
      const body = (await jsonBody<{ by?: string }>(request)) ?? {};
      await client.raiseEvent(instanceId, "ApprovalEvent", {
        approved: decision === "approve",
        by: body.by ?? "api",
      } satisfies ApprovalEvent);
      return {
        status: 202,
        jsonBody: { instanceId, raised: "ApprovalEvent", approved: decision === "approve" },
      };
    }),
});

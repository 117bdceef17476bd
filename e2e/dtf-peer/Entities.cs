using System.Security.Cryptography;
using System.Text;
using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using Newtonsoft.Json.Linq;

namespace DtfPeer;

/// The interop app's entity `counter` on DurableTask.Core's own entity model (TaskEntity, one batch of operations
/// per call), with the same operations and results as e2e/src/interop/app.ts: `add` (input n, default 1; returns
/// the new value), `get` (the value, 0 when none), `set` (input n), `delete` (the entity stops existing), `fail`
/// (throws, with the input as the message; the state stays), `forward` ({key, amount}: signals counter@key `add`),
/// `start` ({instanceId, key, amount}: starts SignalCounter). As the .NET isolated SDK's entity shim does, a failed
/// operation's result carries only FailureDetails and its state change is rolled back.
public sealed class Counter : TaskEntity
{
    public override Task<EntityBatchResult> ExecuteOperationBatchAsync(EntityBatchRequest request)
    {
        var state = request.EntityState;
        var results = new List<OperationResult>();
        var actions = new List<OperationAction>();
        foreach (var op in request.Operations!)
        {
            try
            {
                var value = state == null ? 0L : (long)Json.Parse(state)!;
                var input = Json.Parse(op.Input);
                string? result = null;
                switch (op.Operation)
                {
                    case "add":
                        value += input == null || input.Type == JTokenType.Null ? 1 : (long)input;
                        state = Json.Text(value);
                        result = state;
                        break;
                    case "get":
                        result = Json.Text(value);
                        break;
                    case "set":
                        state = Json.Text((long)input!);
                        break;
                    case "delete":
                        state = null;
                        break;
                    case "fail":
                        throw new InvalidOperationException((string?)input ?? "failed");
                    case "forward":
                        // {key, amount}: signal counter@key `add` amount.
                        actions.Add(new SendSignalOperationAction
                        {
                            InstanceId = Counters.Id(input!["key"]!).ToString(),
                            Name = "add",
                            Input = Json.Text(input["amount"]),
                        });
                        break;
                    case "start":
                        // {instanceId, key, amount}: start SignalCounter {key, amount} as instanceId.
                        actions.Add(new StartNewOrchestrationOperationAction
                        {
                            InstanceId = (string)input!["instanceId"]!,
                            Name = "SignalCounter",
                            Version = "",
                            Input = Json.Text(new JObject { ["key"] = input["key"], ["amount"] = input["amount"] }),
                        });
                        break;
                    default:
                        throw new NotSupportedException($"counter has no operation '{op.Operation}'");
                }
                results.Add(new OperationResult { Result = result });
            }
            catch (Exception e)
            {
                // (This counter's operations that fail send nothing, so there are no actions to roll back.)
                results.Add(new OperationResult { FailureDetails = new FailureDetails(e) });
            }
        }
        return Task.FromResult(new EntityBatchResult { Results = results, Actions = actions, EntityState = state });
    }
}

/// An orchestration that talks to entities through DurableTask.Core's OrchestrationEntityContext, as the
/// .NET SDKs do: requests, lock requests and releases are EventSent events (the request JSON as raw input),
/// responses arrive as events named by the request id.
public abstract class EntityOrchestration : RawOrchestration
{
    OrchestrationEntityContext? entities;
    int guids;

    protected OrchestrationEntityContext Entities(OrchestrationContext ctx) =>
        this.entities ??= new OrchestrationEntityContext(ctx.OrchestrationInstance.InstanceId, ctx.OrchestrationInstance.ExecutionId, ctx);

    /// A replay-safe request id: a name-based GUID of the instance, execution and a counter.
    protected Guid NewGuid(OrchestrationContext ctx)
    {
        var name = $"{ctx.OrchestrationInstance.InstanceId}/{ctx.OrchestrationInstance.ExecutionId}/{this.guids++}";
        var bytes = MD5.HashData(Encoding.UTF8.GetBytes(name));
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x30);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    static void Send(OrchestrationContext ctx, EntityMessageEvent e) => ctx.SendEvent(e.TargetInstance, e.EventName, e.AsRawInput());

    protected void Signal(OrchestrationContext ctx, EntityId id, string op, JToken? input)
    {
        var ec = this.Entities(ctx);
        if (!ec.ValidateOperationTransition(id.ToString(), true, out var error)) throw new InvalidOperationException(error);
        Send(ctx, ec.EmitRequestMessage(new OrchestrationInstance { InstanceId = id.ToString() }, op, true, this.NewGuid(ctx), null, input == null ? null : Json.Text(input)));
    }

    protected async Task<OperationResult> CallEntity(OrchestrationContext ctx, EntityId id, string op, JToken? input)
    {
        var ec = this.Entities(ctx);
        if (!ec.ValidateOperationTransition(id.ToString(), false, out var error)) throw new InvalidOperationException(error);
        var requestId = this.NewGuid(ctx);
        Send(ctx, ec.EmitRequestMessage(new OrchestrationInstance { InstanceId = id.ToString() }, op, false, requestId, null, input == null ? null : Json.Text(input)));
        var response = await this.WaitForRawEvent(requestId.ToString());
        ec.RecoverLockAfterCall(id.ToString());
        return ec.DeserializeEntityResponseEvent(response!);
    }

    /// Calls and returns the result, or throws with the failure's message.
    protected async Task<JToken?> CallValue(OrchestrationContext ctx, EntityId id, string op, JToken? input)
    {
        var r = await this.CallEntity(ctx, id, op, input);
        if (r.IsError) throw new EntityOperationException(r.FailureDetails?.ErrorMessage ?? r.ErrorMessage ?? "operation failed");
        return Json.Parse(r.Result);
    }

    protected async Task Lock(OrchestrationContext ctx, EntityId[] ids)
    {
        var ec = this.Entities(ctx);
        if (!ec.ValidateAcquireTransition(out var error)) throw new InvalidOperationException(error);
        var lockId = this.NewGuid(ctx);
        Send(ctx, ec.EmitAcquireMessage(lockId, ids));
        var response = await this.WaitForRawEvent(lockId.ToString());
        ec.CompleteAcquire(ec.DeserializeEntityResponseEvent(response!), lockId);
    }

    protected void Release(OrchestrationContext ctx)
    {
        foreach (var e in this.Entities(ctx).EmitLockReleaseMessages()) Send(ctx, e);
    }
}

public sealed class EntityOperationException(string message) : Exception(message);

static class Counters
{
    public static EntityId Id(JToken key) => new("counter", (string)key!);
}

/// Signals counter@key `add` with `amount`, then returns.
public sealed class SignalCounter : EntityOrchestration
{
    protected override Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        this.Signal(ctx, Counters.Id(input!["key"]!), "add", input["amount"]);
        return Task.FromResult<JToken?>("signalled");
    }
}

/// Calls counter@key: `add` amount, `get`, then `fail` (caught): {added, got, failure}.
public sealed class CallCounter : EntityOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        var id = Counters.Id(input!["key"]!);
        var added = await this.CallValue(ctx, id, "add", input["amount"]);
        var got = await this.CallValue(ctx, id, "get", null);
        string? failure = null;
        try
        {
            await this.CallValue(ctx, id, "fail", "no such luck");
        }
        catch (EntityOperationException e)
        {
            failure = e.Message;
        }
        return new JObject { ["added"] = added, ["got"] = got, ["failure"] = failure };
    }
}

/// Locks counter@k for every k in `keys`, then `rounds` times for each: read (`get`), write (`set` value + 1),
/// as separate calls, so that any other writer in between would lose an increment. Returns the values it read.
public sealed class LockedIncrement : EntityOrchestration
{
    protected override async Task<JToken?> Run(OrchestrationContext ctx, JToken? input)
    {
        var ids = ((JArray)input!["keys"]!).Select(Counters.Id).ToArray();
        var rounds = (int)input["rounds"]!;
        await this.Lock(ctx, ids);
        var seen = new JArray();
        for (var i = 0; i < rounds; i++)
            foreach (var id in ids)
            {
                var v = (long)(await this.CallValue(ctx, id, "get", null))!;
                seen.Add(v);
                await this.CallValue(ctx, id, "set", v + 1);
            }
        this.Release(ctx);
        return seen;
    }
}

using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using DurableTask.Core.Serializing;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace DtfPeer;

/// A payload given as JSON text, written as it is (see RawDataConverter).
public sealed record RawJson(string Text);

/// The client's converter: RawJson is written verbatim; anything else as Core's default converter would.
public sealed class RawDataConverter : DataConverter
{
    static readonly JsonDataConverter Default = JsonDataConverter.Default;

    public override string Serialize(object value) => value is RawJson raw ? raw.Text : Default.Serialize(value);

    public override string Serialize(object value, bool formatted) => value is RawJson raw ? raw.Text : Default.Serialize(value, formatted);

    public override object Deserialize(string data, Type objectType) => Default.Deserialize(data, objectType);
}

/// The verbs of the protocol (Program.cs). Every verb names its task hub ("hub"); services are made per hub
/// and partition count, from the connection string in TASKHUB_CONNECTION_STRING (or "connectionString").
public sealed class Peer(Action<JObject> report)
{
    readonly Dictionary<string, (AzureStorageOrchestrationService Service, TaskHubWorker Worker)> workers = new();
    readonly Dictionary<string, AzureStorageOrchestrationService> clients = new();
    readonly SemaphoreSlim gate = new(1, 1);

    static readonly (string Name, Type Type)[] OrchestrationTypes =
    [
        ("HelloSequence", typeof(HelloSequence)), ("FanOutFanIn", typeof(FanOutFanIn)), ("DurableTimer", typeof(DurableTimer)),
        ("WaitForEvent", typeof(WaitForEventWithTimeout)), ("Parent", typeof(Parent)), ("Child", typeof(Child)),
        ("ContinueAsNewCarry", typeof(ContinueAsNewCarry)), ("RetryThenSucceed", typeof(RetryThenSucceed)),
        ("RetryThenFail", typeof(RetryThenFail)), ("CatchFailure", typeof(CatchFailure)), ("LargePayload", typeof(LargePayload)),
        ("CustomStatus", typeof(CustomStatus)), ("LongRunning", typeof(LongRunning)), ("Echo", typeof(Echo)),
        ("EchoChild", typeof(EchoChild)), ("FanOutChildren", typeof(FanOutChildren)),
        ("FlakyOnce", typeof(FlakyOnce)), ("ParentOfFlaky", typeof(ParentOfFlaky)),
        ("SignalCounter", typeof(SignalCounter)), ("CallCounter", typeof(CallCounter)), ("LockedIncrement", typeof(LockedIncrement)),
    ];

    /// Entities (a worker started with "entities": true). DurableTask.Core looks them up by the entity id's
    /// name as it is, so they are registered under the lower-case names the ids carry.
    static readonly (string Name, Type Type)[] EntityTypes = [("counter", typeof(Counter))];

    static readonly (string Name, Type Type)[] ActivityTypes =
    [
        ("SayHello", typeof(SayHello)), ("Double", typeof(Double)), ("Flaky", typeof(Flaky)), ("AlwaysFail", typeof(AlwaysFail)),
        ("Echo", typeof(EchoActivity)),
    ];

    static readonly StderrLoggerFactory Logs = new();

    static AzureStorageOrchestrationServiceSettings Settings(JObject r, string? workerId = null)
    {
        var connectionString = Json.Str(r, "connectionString") ?? Environment.GetEnvironmentVariable("TASKHUB_CONNECTION_STRING")
            ?? throw new ArgumentException("no connectionString and TASKHUB_CONNECTION_STRING is not set");
        var manager = Json.Str(r, "partitionManager") ?? "safe";
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = Json.Str(r, "hub") ?? throw new ArgumentException("hub is required"),
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            PartitionCount = (int?)r["partitionCount"] ?? 4,
            ExtendedSessionsEnabled = (bool?)r["extendedSessions"] ?? false,
            UseLegacyPartitionManagement = manager == "legacy",
            UseTablePartitionManagement = manager == "table",
            MaxQueuePollingInterval = TimeSpan.FromSeconds((double?)r["maxPollingSeconds"] ?? 1),
            // Short lease times so that partitions move within a test's patience, as taskhub's e2e workers use.
            LeaseInterval = TimeSpan.FromSeconds((double?)r["leaseSeconds"] ?? 15),
            LeaseRenewInterval = TimeSpan.FromSeconds((double?)r["leaseRenewSeconds"] ?? 5),
            LeaseAcquireInterval = TimeSpan.FromSeconds((double?)r["leaseAcquireSeconds"] ?? 2),
            LoggerFactory = Logs,
        };
        if (workerId != null) settings.WorkerId = workerId;
        // Without it DT.AS offers no entity work items, and a TaskHubWorker with entities refuses to start
        // (NotSupportedException: "The configured backend does not support separate entity dispatch."). Entity
        // messages travel on the control queues either way.
        settings.UseSeparateQueueForEntityWorkItems = (bool?)r["entities"] ?? false;
        if (r["controlQueueVisibilitySeconds"] != null) settings.ControlQueueVisibilityTimeout = TimeSpan.FromSeconds((double)r["controlQueueVisibilitySeconds"]!);
        if (r["workItemVisibilitySeconds"] != null) settings.WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds((double)r["workItemVisibilitySeconds"]!);
        return settings;
    }

    async Task<AzureStorageOrchestrationService> Client(JObject r)
    {
        var key = $"{Json.Str(r, "hub")}/{(int?)r["partitionCount"] ?? 4}/{Json.Str(r, "connectionString")}/{(bool?)r["entities"] ?? false}";
        await this.gate.WaitAsync();
        try
        {
            if (!this.clients.TryGetValue(key, out var service))
                this.clients[key] = service = new AzureStorageOrchestrationService(Settings(r));
            return service;
        }
        finally
        {
            this.gate.Release();
        }
    }

    static OrchestrationInstance Instance(JObject r) => new() { InstanceId = Json.Str(r, "instanceId") ?? throw new ArgumentException("instanceId is required") };

    static RawJson? Payload(JObject r, string name) => r[name] == null || r[name]!.Type == JTokenType.Null ? null : new RawJson((string)r[name]!);

    public async Task<JToken?> HandleAsync(JObject r)
    {
        var verb = Json.Str(r, "verb");
        switch (verb)
        {
            case "startWorker": return await this.StartWorker(r);
            case "listenSpans": SpanRecorder.Listen(); return true;
            case "spans": return SpanRecorder.Spans();
            case "stopWorker": return await this.StopWorker(r);
            case "createHub":
            {
                var service = await this.Client(r);
                await service.CreateIfNotExistsAsync();
                return true;
            }
            case "deleteHub":
            {
                var service = await this.Client(r);
                await service.DeleteAsync();
                return true;
            }
            case "start":
            {
                var client = new TaskHubClient(await this.Client(r), new RawDataConverter(), null);
                var startAt = Json.Str(r, "startAt");
                var input = Payload(r, "input");
                var name = Json.Str(r, "name")!;
                var instanceId = Json.Str(r, "instanceId");
                var instance = startAt != null
                    ? await client.CreateScheduledOrchestrationInstanceAsync(name, "", instanceId, input, DateTime.Parse(startAt, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal))
                    : await client.CreateOrchestrationInstanceAsync(name, "", instanceId, input);
                return new JObject { ["instanceId"] = instance.InstanceId, ["executionId"] = instance.ExecutionId };
            }
            case "raise":
            {
                var client = new TaskHubClient(await this.Client(r), new RawDataConverter(), null);
                await client.RaiseEventAsync(Instance(r), Json.Str(r, "name")!, Payload(r, "data")!);
                return true;
            }
            case "terminate":
            {
                var client = new TaskHubClient(await this.Client(r), new RawDataConverter(), null);
                await client.TerminateInstanceAsync(Instance(r), Json.Str(r, "reason")!);
                return true;
            }
            case "suspend":
            {
                var client = new TaskHubClient(await this.Client(r), new RawDataConverter(), null);
                await client.SuspendInstanceAsync(Instance(r), Json.Str(r, "reason"));
                return true;
            }
            case "resume":
            {
                var client = new TaskHubClient(await this.Client(r), new RawDataConverter(), null);
                await client.ResumeInstanceAsync(Instance(r), Json.Str(r, "reason"));
                return true;
            }
            case "rewind":
                await (await this.Client(r)).RewindTaskOrchestrationAsync(Json.Str(r, "instanceId")!, Json.Str(r, "reason"));
                return true;
            case "purge":
            {
                var result = await (await this.Client(r)).PurgeInstanceHistoryAsync(Json.Str(r, "instanceId")!);
                return new JObject { ["instancesDeleted"] = result.InstancesDeleted, ["rowsDeleted"] = result.RowsDeleted };
            }
            case "purgeFilter":
            {
                var statuses = r["statuses"]?.Select(s => Enum.Parse<OrchestrationStatus>((string)s!)).ToList();
                var to = Json.Str(r, "createdTo");
                var result = await (await this.Client(r)).PurgeInstanceHistoryAsync(Date(Json.Str(r, "createdFrom")!), to == null ? null : Date(to), statuses);
                return new JObject { ["instancesDeleted"] = result.InstancesDeleted, ["rowsDeleted"] = result.RowsDeleted };
            }
            case "query":
            {
                var query = new OrchestrationQuery
                {
                    RuntimeStatus = r["statuses"]?.Select(s => Enum.Parse<OrchestrationStatus>((string)s!)).ToList(),
                    InstanceIdPrefix = Json.Str(r, "prefix"),
                    PageSize = (int?)r["pageSize"] ?? 100,
                    ContinuationToken = Json.Str(r, "continuationToken"),
                    FetchInputsAndOutputs = (bool?)r["fetchInputsAndOutputs"] ?? true,
                };
                if (Json.Str(r, "createdFrom") is { } from) query.CreatedTimeFrom = Date(from);
                if (Json.Str(r, "createdTo") is { } to) query.CreatedTimeTo = Date(to);
                var result = await (await this.Client(r)).GetOrchestrationWithQueryAsync(query, CancellationToken.None);
                return new JObject
                {
                    ["items"] = new JArray(result.OrchestrationState.Select(State)),
                    ["continuationToken"] = result.ContinuationToken,
                };
            }
            case "wait":
            {
                var client = new TaskHubClient(await this.Client(r), new RawDataConverter(), null);
                var state = await client.WaitForOrchestrationAsync(Instance(r), TimeSpan.FromSeconds((double?)r["timeoutSeconds"] ?? 120));
                return state == null ? null : State(state);
            }
            case "state":
            {
                var service = await this.Client(r);
                var states = await service.GetOrchestrationStateAsync(Json.Str(r, "instanceId")!, allExecutions: false, fetchInput: true);
                return states.Count == 0 ? null : State(states[0]);
            }
            case "history":
            {
                var service = await this.Client(r);
                var executionId = Json.Str(r, "executionId");
                if (executionId == null)
                {
                    var states = await service.GetOrchestrationStateAsync(Json.Str(r, "instanceId")!, false);
                    executionId = states.FirstOrDefault()?.OrchestrationInstance.ExecutionId;
                }
                var text = await service.GetOrchestrationHistoryAsync(Json.Str(r, "instanceId")!, executionId);
                // Core's own serialization of its HistoryEvent list (with $type), as DTF tools see the history.
                return Json.Parse(text);
            }
            case "signalEntity":
            {
                // As DurableTask.Core's clients signal: ClientEntityHelpers' request event, sent as a task message.
                var target = new OrchestrationInstance { InstanceId = new EntityId(Json.Str(r, "name")!, Json.Str(r, "key")!).ToString() };
                // The request line was parsed with Newtonsoft's default DateParseHandling: an ISO time is already a
                // DateTime token (its string form would lose the milliseconds).
                (DateTime, DateTime)? at = r["scheduledTime"] is { Type: JTokenType.Date } t ? (((DateTime)t).ToUniversalTime(), ((DateTime)t).ToUniversalTime())
                    : Json.Str(r, "scheduledTime") is { } s ? (Date(s), Date(s)) : null;
                var evt = ClientEntityHelpers.EmitOperationSignal(target, Guid.NewGuid(), Json.Str(r, "operation")!, Json.Str(r, "input"), at);
                await (await this.Client(r)).SendTaskOrchestrationMessageAsync(evt.AsTaskMessage());
                return new JObject { ["eventName"] = evt.EventName, ["request"] = evt.AsSerializedString() };
            }
            case "getEntity":
            {
                // DT.AS's own entity query (IEntityOrchestrationService.EntityBackendQueries).
                var queries = ((IEntityOrchestrationService)await this.Client(r)).EntityBackendQueries ?? throw new NotSupportedException("DT.AS offers no entity queries");
                var id = new EntityId(Json.Str(r, "name")!, Json.Str(r, "key")!);
                var m = await queries.GetEntityAsync(id, includeState: true, includeStateless: (bool?)r["includeStateless"] ?? false, CancellationToken.None);
                return m is not { } e ? null : new JObject
                {
                    ["id"] = e.EntityId.ToString(),
                    ["state"] = e.SerializedState,
                    ["lockedBy"] = e.LockedBy,
                    ["backlogQueueSize"] = e.BacklogQueueSize,
                    ["lastModifiedTime"] = Iso(e.LastModifiedTime),
                };
            }
            case "ping": return "pong";
            default: throw new ArgumentException($"unknown verb '{verb}'");
        }
    }

    static DateTime Date(string s) => DateTime.Parse(s, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

    static string? Iso(DateTime d) => d == DateTime.MinValue ? null : d.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");

    public static JObject State(OrchestrationState s) => new()
    {
        ["instanceId"] = s.OrchestrationInstance?.InstanceId,
        ["executionId"] = s.OrchestrationInstance?.ExecutionId,
        ["name"] = s.Name,
        ["version"] = s.Version,
        ["status"] = s.OrchestrationStatus.ToString(),
        ["input"] = s.Input,
        ["output"] = s.Output,
        ["customStatus"] = s.Status,
        ["createdTime"] = Iso(s.CreatedTime),
        ["lastUpdatedTime"] = Iso(s.LastUpdatedTime),
        ["completedTime"] = Iso(s.CompletedTime),
        ["scheduledStartTime"] = s.ScheduledStartTime is { } t ? Iso(t) : null,
        ["parentInstanceId"] = s.ParentInstance?.OrchestrationInstance?.InstanceId,
        ["failureDetails"] = s.FailureDetails == null ? null : Failure(s.FailureDetails),
    };

    static JObject Failure(FailureDetails f) => new()
    {
        ["errorType"] = f.ErrorType,
        ["errorMessage"] = f.ErrorMessage,
        ["stackTrace"] = f.StackTrace,
        ["isNonRetriable"] = f.IsNonRetriable,
        ["innerFailure"] = f.InnerFailure == null ? null : Failure(f.InnerFailure),
    };

    async Task<JToken> StartWorker(JObject r)
    {
        var hub = Json.Str(r, "hub")!;
        if (this.workers.ContainsKey(hub)) throw new InvalidOperationException($"a worker for '{hub}' is running");
        var settings = Settings(r, Json.Str(r, "workerId") ?? $"dtf-{Environment.ProcessId}");
        var service = new AzureStorageOrchestrationService(settings);
        await service.CreateIfNotExistsAsync();
        var worker = new TaskHubWorker(service, Logs);
        worker.ErrorPropagationMode = Json.Str(r, "errorPropagation") == "SerializeExceptions"
            ? ErrorPropagationMode.SerializeExceptions
            : ErrorPropagationMode.UseFailureDetails;
        worker.AddTaskOrchestrations(OrchestrationTypes.Select(o => (ObjectCreator<TaskOrchestration>)new NameValueObjectCreator<TaskOrchestration>(o.Name, "", o.Type)).ToArray());
        if (settings.UseSeparateQueueForEntityWorkItems)
            worker.AddTaskEntities(EntityTypes.Select(e => (ObjectCreator<TaskEntity>)new NameValueObjectCreator<TaskEntity>(e.Name, "", e.Type)).ToArray());
        worker.AddTaskActivities(ActivityTypes.Select(a => (ObjectCreator<TaskActivity>)new NameValueObjectCreator<TaskActivity>(a.Name, "", a.Type)).ToArray());
        await worker.StartAsync();
        this.workers[hub] = (service, worker);
        report(new JObject { ["event"] = "workerStarted", ["hub"] = hub, ["workerId"] = settings.WorkerId });
        return new JObject { ["workerId"] = settings.WorkerId, ["eventBehaviourForContinueAsNew"] = service.EventBehaviourForContinueAsNew.ToString() };
    }

    async Task<JToken> StopWorker(JObject r)
    {
        var hub = Json.Str(r, "hub")!;
        if (!this.workers.Remove(hub, out var w)) return false;
        await w.Worker.StopAsync((bool?)r["isForced"] ?? false);
        return true;
    }

    public async Task StopAllAsync()
    {
        foreach (var hub in this.workers.Keys.ToList())
            if (this.workers.Remove(hub, out var w)) await w.Worker.StopAsync(true);
    }
}

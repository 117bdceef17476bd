using System.Collections.Concurrent;
using System.Diagnostics;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.History;

namespace DtfPeer;

/// DT.AS's orchestration service as it is, plus the time an instance's start was picked up and the time it
/// reached a terminal status (after its checkpoint was written), known in process without asking storage, so
/// the bench mode (BenchMode.cs) measures what the worker does and the request counts stay the work's.
public sealed class ObservedService(AzureStorageOrchestrationService inner) : IOrchestrationService
{
    static readonly Stopwatch Clock = Stopwatch.StartNew();

    /// Milliseconds on this process's monotonic clock.
    public static double Now => Clock.Elapsed.TotalMilliseconds;

    public readonly ConcurrentDictionary<string, double> Started = new();
    public readonly ConcurrentDictionary<string, (double T, OrchestrationStatus Status, string? Output)> Completed = new();
    readonly object waitersLock = new();
    readonly List<(HashSet<string> Left, TaskCompletionSource Done)> waiters = new();

    /// Completes when every id has reached a terminal status.
    public Task WhenCompleted(IEnumerable<string> ids)
    {
        lock (this.waitersLock)
        {
            var left = ids.Where(id => !this.Completed.ContainsKey(id)).ToHashSet();
            if (left.Count == 0) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            this.waiters.Add((left, done));
            return done.Task;
        }
    }

    void OnCompleted(string instanceId)
    {
        lock (this.waitersLock)
        {
            for (var i = this.waiters.Count - 1; i >= 0; i--)
            {
                var (left, done) = this.waiters[i];
                if (left.Remove(instanceId) && left.Count == 0)
                {
                    this.waiters.RemoveAt(i);
                    done.SetResult();
                }
            }
        }
    }

    public async Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var workItem = await inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
        if (workItem != null && workItem.OrchestrationRuntimeState.Events.Count == 0 && workItem.NewMessages.Any(m => m.Event is ExecutionStartedEvent))
            this.Started.TryAdd(workItem.InstanceId, Now);
        return workItem!;
    }

    public async Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState, IList<TaskMessage> outboundMessages, IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState)
    {
        await inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
        if (orchestrationState?.OrchestrationStatus is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated)
        {
            this.Completed[workItem.InstanceId] = (Now, orchestrationState.OrchestrationStatus, orchestrationState.Output);
            this.OnCompleted(workItem.InstanceId);
        }
    }

    public Task StartAsync() => inner.StartAsync();
    public Task StopAsync() => inner.StopAsync();
    public Task StopAsync(bool isForced) => inner.StopAsync(isForced);
    public Task CreateAsync() => inner.CreateAsync();
    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);
    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();
    public Task DeleteAsync() => inner.DeleteAsync();
    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);
    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);
    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);
    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);
    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;
    public int MaxConcurrentTaskOrchestrationWorkItems => inner.MaxConcurrentTaskOrchestrationWorkItems;
    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;
    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);
    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;
    public int MaxConcurrentTaskActivityWorkItems => inner.MaxConcurrentTaskActivityWorkItems;
    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) => inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);
    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);
    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) => inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => inner.AbandonTaskActivityWorkItemAsync(workItem);
}

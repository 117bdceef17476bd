/**
 * The dashboard's shell: navigation, the current route (from the URL's fragment), errors, and the host's key
 * when the host asks for one (401).
 */
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { ApiError, ManagementClient, setKey } from "./api/management-client.js";
import { BULK_ORCHESTRATION_NAME } from "./model/bulk.js";
import { emptyListQuery } from "./model/instance-filter.js";
import { parseRoute, routeHref, type Route } from "./model/route.js";
import { EntitiesView } from "./views/entities-view.js";
import { HubView } from "./views/hub-view.js";
import { InstanceView } from "./views/instance-view.js";
import { InstancesView } from "./views/instances-view.js";

/** The list of bulk operations: the instances named taskhub:bulk. */
const BULK_LIST_HREF = routeHref({
  view: "instances",
  query: { ...emptyListQuery(), name: BULK_ORCHESTRATION_NAME },
});

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  const [error, setError] = useState<string | undefined>();
  const [needsKey, setNeedsKey] = useState(false);
  const [generation, setGeneration] = useState(0);
  const api = useMemo(() => new ManagementClient(), []);

  useEffect(() => {
    const onHash = (): void => {
      setRoute(parseRoute(location.hash));
      setError(undefined);
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const onError = useCallback((e: unknown) => {
    if (e instanceof ApiError && e.status === 401) setNeedsKey(true);
    else setError(e instanceof Error ? e.message : String(e));
  }, []);

  const current = route.view;
  const bulkList = route.view === "instances" && route.query.name === BULK_ORCHESTRATION_NAME;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">taskhub</span>
        <nav aria-label="Dashboard">
          <a
            href="#/instances"
            aria-current={
              (current === "instances" && !bulkList) || current === "instance" ? "page" : undefined
            }
          >
            Instances
          </a>
          <a href={BULK_LIST_HREF} aria-current={bulkList ? "page" : undefined}>
            Bulk operations
          </a>
          <a href="#/entities" aria-current={current === "entities" ? "page" : undefined}>
            Entities
          </a>
          <a href="#/hub" aria-current={current === "hub" ? "page" : undefined}>
            Task hub
          </a>
        </nav>
      </header>
      <main id="main" tabIndex={-1} key={generation}>
        {needsKey && (
          <KeyForm
            onKey={(k) => {
              setKey(k);
              setNeedsKey(false);
              setGeneration((g) => g + 1);
            }}
          />
        )}
        {error && (
          <p class="error" role="alert">
            {error}{" "}
            <button type="button" onClick={() => setError(undefined)}>
              Dismiss
            </button>
          </p>
        )}
        {route.view === "instances" && <InstancesView api={api} query={route.query} onError={onError} />}
        {route.view === "instance" && (
          <InstanceView api={api} id={route.id} tab={route.tab} onError={onError} />
        )}
        {route.view === "entities" && <EntitiesView api={api} name={route.name} entityKey={route.key} />}
        {route.view === "hub" && <HubView api={api} onError={onError} />}
      </main>
    </>
  );
}

function KeyForm({ onKey }: { onKey: (key: string) => void }) {
  const [key, setDraft] = useState("");
  return (
    <form
      class="key-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (key) onKey(key);
      }}
    >
      <p role="alert">The host asks for its key (TASKHUB_HTTP_KEY). It is kept for this browser tab only.</p>
      <label>
        Key
        <input
          type="password"
          autoComplete="off"
          value={key}
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
      </label>
      <button type="submit" class="primary">
        Use key
      </button>
    </form>
  );
}

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { REPO_ROOT } from "./helpers/paths.js";

// The Kubernetes manifests of docs/scale-out.md. `kubectl apply --dry-run=client` needs an API
// server even for a client-side dry run (it downloads the OpenAPI schema and the resource
// list first), and no cluster is reachable here, so the manifests are parsed with the yaml
// package and checked against the fields that make the deployment work.

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked field by field below
type Doc = Record<string, any>;

const dir = join(REPO_ROOT, "deploy", "k8s");
const docs: Doc[] = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), "utf8")).map((d) => {
      expect(d.errors, f).toEqual([]);
      return { ...(d.toJS() as Doc), __file: f };
    }),
  );
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
/** The one object of a kind (the manifests hold a single Redis service and stateful set). */
function onlyOne(kind: string): Doc {
  const found = byKind(kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Doc;
}

describe("deploy/k8s manifests", () => {
  it("every object has apiVersion, kind and a name, and each controller selects its own pods", () => {
    expect(docs.length).toBeGreaterThanOrEqual(4);
    for (const d of docs) {
      expect(typeof d.apiVersion, d.__file).toBe("string");
      expect(typeof d.kind, d.__file).toBe("string");
      expect(d.metadata?.name, d.__file).toMatch(/^[a-z0-9-]+$/);
    }
    for (const d of [...byKind("Deployment"), ...byKind("StatefulSet")]) {
      expect(d.apiVersion).toBe("apps/v1");
      const selector = d.spec.selector.matchLabels as Record<string, string>;
      const labels = d.spec.template.metadata.labels as Record<string, string>;
      for (const [k, v] of Object.entries(selector)) expect(labels[k], `${d.metadata.name} ${k}`).toBe(v);
      expect(d.spec.template.spec.containers.length).toBeGreaterThan(0);
    }
  });

  it("Redis is a persistent, non-evicting, cluster-internal service the workers can reach", () => {
    const service = onlyOne("Service");
    const redis = onlyOne("StatefulSet");
    expect(service.spec.type).toBe("ClusterIP");
    for (const [k, v] of Object.entries(service.spec.selector as Record<string, string>))
      expect(redis.spec.template.metadata.labels[k]).toBe(v);
    const container = redis.spec.template.spec.containers[0];
    expect(container.args.join(" ")).toMatch(/--appendonly yes/);
    expect(container.args.join(" ")).toMatch(/--maxmemory-policy noeviction/);
    const port = service.spec.ports[0];
    expect(container.ports.find((p: Doc) => p.name === port.targetPort)?.containerPort).toBe(6379);
    expect(container.volumeMounts[0].name).toBe(redis.spec.volumeClaimTemplates[0].metadata.name);

    for (const worker of byKind("Deployment")) {
      const c = worker.spec.template.spec.containers[0];
      const argv = [...c.command, ...c.args];
      expect(argv.slice(0, 2)).toEqual(["sealign", "worker"]);
      const url = new URL(argv[argv.indexOf("--queue") + 1]);
      expect(url.hostname).toBe(service.metadata.name);
      expect(Number(url.port)).toBe(port.port);
      expect(["local", "docker"]).toContain(argv[argv.indexOf("--runtime") + 1]);
      // the drain fits inside the grace period, or the kubelet kills the pod mid-drain
      const drain = Number(argv[argv.indexOf("--drain-timeout") + 1]);
      expect(drain).toBeLessThan(worker.spec.template.spec.terminationGracePeriodSeconds);
      // secrets come from Secrets, never written into the manifest
      for (const env of c.env ?? [])
        if (/KEY|TOKEN|PASSWORD/.test(env.name)) expect(env.valueFrom?.secretKeyRef).toBeDefined();
    }
  });
});

/**
 * How sealign reaches the job queue: a Redis URL (`redis://[user:password@]HOST:PORT[/DB]`) turned
 * into BullMQ connection options that survive a Redis restart or a dropped connection, and the
 * names of the queue and its jobs.
 */
import type { ConnectionOptions } from "bullmq";
import { InputError } from "../errors.js";

/** The one queue that carries both kinds of job (episodes and validations) by default. */
export const DEFAULT_QUEUE_NAME = "sealign";

/** What a job is: an episode (`collect`) or the validation of one patch (`validate`). */
export type JobKind = "collect" | "validate";

export interface QueueAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** The URL as given, without its password (for logs and manifests). */
  display: string;
}

/** Parse `--queue URL`; a bad URL is an InputError naming the flag. */
export function parseQueueUrl(url: string, flag = "--queue"): QueueAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`expected a Redis URL such as redis://127.0.0.1:6379, got "${url}"`, {
      field: flag,
    });
  }
  if (parsed.protocol !== "redis:")
    throw new InputError(`only redis:// URLs are supported, got "${parsed.protocol}//"`, { field: flag });
  if (!parsed.hostname) throw new InputError(`no host in "${url}"`, { field: flag });
  const port = parsed.port ? Number(parsed.port) : 6379;
  const dbText = parsed.pathname.replace(/^\//, "");
  const db = dbText === "" ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0)
    throw new InputError(`the database in "${url}" must be a number (redis://HOST:PORT/DB)`, {
      field: flag,
    });
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const display = `redis://${parsed.hostname}:${port}/${db}`;
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port,
    db,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    display,
  };
}

/**
 * Connection options for BullMQ's ioredis driver. `maxRetriesPerRequest: null` is what BullMQ
 * requires of workers (a blocking command must wait through a reconnect rather than fail), and
 * the retry strategy reconnects for ever, backing off to `maxBackoffMs`: a Redis restart is a
 * pause, not the end of a run.
 */
export function connectionOptions(address: QueueAddress, maxBackoffMs = 2000): ConnectionOptions {
  return {
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.username ? { username: address.username } : {}),
    ...(address.password ? { password: address.password } : {}),
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 10), maxBackoffMs),
  };
}

/**
 * A job's id: `RUN/part/part`, stable across restarts so that enqueueing the same unit twice
 * finds the job already there. BullMQ forbids ':' in custom ids (and all-digit ids), so '%'
 * and ':' are percent-encoded, which keeps distinct units distinct.
 */
export function jobIdOf(runId: string, ...parts: (string | number)[]): string {
  const encode = (value: string | number) => String(value).replace(/%/g, "%25").replace(/:/g, "%3A");
  return [runId, ...parts].map(encode).join("/");
}

/** Check a queue name the way BullMQ will (no ':'), as an InputError naming the flag. */
export function checkQueueName(name: string, flag = "--queue-name"): string {
  if (!name || name.includes(":"))
    throw new InputError(`a queue name must be non-empty and contain no ':', got "${name}"`, {
      field: flag,
    });
  return name;
}

/** JSON Schema (draft-07) of metrics.json; written beside every metrics.json as metrics.schema.json. */
import { SCHEMA_VERSION } from './document.js';

const count = { type: 'integer', minimum: 0 } as const;
const ranks = { type: 'array', items: { type: 'integer', minimum: 0 } } as const;
const seconds = { type: 'number', minimum: 0 } as const;
const fraction = { type: 'number', minimum: 0 } as const;
const samples = (columns: number) =>
  ({ type: 'array', items: { type: 'array', items: { type: 'number' }, minItems: columns, maxItems: columns } }) as const;
const object = (properties: Record<string, unknown>, optional: Record<string, unknown> = {}) =>
  ({ type: 'object', required: Object.keys(properties), properties: { ...properties, ...optional }, additionalProperties: false }) as const;

export const METRICS_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'swarmsim metrics',
  description: 'One run of a swarm: parameters, per-rank counters, who served whom, swarms, timelines and load figures.',
  ...object(
    {
      schemaVersion: { const: SCHEMA_VERSION, description: 'Bumped on any incompatible change.' },
      run: object(
        {
          inputDir: { type: 'string' },
          outDir: { type: 'string' },
          transport: { type: 'string' },
          workers: { type: 'integer', minimum: 1, description: 'threads the clients ran in' },
          strategy: { type: 'string' },
          pipeline: { oneOf: [{ type: 'integer', minimum: 1 }, { const: 'auto' }] },
          ranks: { type: 'integer', minimum: 3 },
          files: count,
          startedAt: { type: 'string', description: 'ISO 8601 date and time; the epoch on the virtual transport' },
          wallSeconds: { ...seconds, description: 'seconds the run took; simulated seconds on the virtual transport' },
          segmentsTransferred: count,
          messages: count,
          ok: { type: 'boolean', description: 'No output is wrong or missing, outputs a fault kept from being written aside.' },
        },
        {
          seed: { type: 'string', description: "the virtual transport's run seed" },
          strategyModule: { type: 'string', description: "the path of the user's strategy module, when the strategy is one" },
          freeRiders: { type: 'array', items: { type: 'integer', minimum: 1 }, description: 'clients that never uploaded (--free-riders)' },
          arrivals: { type: 'string', description: 'when clients arrived (--arrivals), when they arrived over time or left' },
          seedTimeSeconds: { ...seconds, description: 'how long a client that finished stayed before it left (--seed-time)' },
          firstRequestSeconds: {
            ...seconds,
            description:
              "seconds from the process's start to the first segment request (threads; over TCP, the coordinator's process and the client's clock)",
          },
        },
      ),
      ranks: {
        type: 'array',
        description: 'Index = rank; rank 0 is the tracker.',
        items: object(
          {
            rank: count,
            role: { enum: ['tracker', 'client'] },
            uploaded: count,
            downloaded: count,
            nacksSent: count,
            nacksReceived: count,
            requestsSent: count,
            swarmRequests: count,
            messagesIn: count,
            messagesOut: count,
            wanted: count,
            shareRatio: { type: ['number', 'null'], minimum: 0, description: 'uploaded / downloaded' },
            couldServe: { type: 'boolean' },
            completedSeconds: { type: ['number', 'null'], minimum: 0 },
          },
          { lost: { type: 'boolean', description: 'dead at the end; counters as they were then' } },
        ),
      },
      matrix: {
        type: 'array',
        description: 'Non-zero [downloader, uploader, segments] entries.',
        items: { type: 'array', items: count, minItems: 3, maxItems: 3 },
      },
      files: {
        type: 'array',
        items: object({ name: { type: 'string' }, segments: count, seeds: count, peers: count, completed: count, wantedBy: count }),
      },
      timeline: object({
        clients: { type: 'array', items: object({ rank: count, samples: samples(2) }), description: '[seconds, segments held]' },
        swarms: { type: 'array', items: object({ file: { type: 'string' }, samples: samples(3) }), description: '[seconds, seeds, peers]' },
      }),
      load: object(
        {
          servers: { type: 'array', items: count, description: 'The clients the figures are taken over.' },
          jain: { type: 'number', minimum: 0, maximum: 1 },
          gini: { type: 'number', minimum: 0, maximum: 1 },
          maxOverMean: fraction,
          coefficientOfVariation: fraction,
          mean: fraction,
          max: count,
        },
        {
          jainBound: {
            type: 'number',
            minimum: 0,
            maximum: 1,
            description:
              "The highest Jain's index any schedule could reach, given who owns and who wants what (ignoring when segments arrive); absent after faults, or for a job too large to solve.",
          },
        },
      ),
      outputs: object({
        written: count,
        problems: { type: 'array', items: object({ output: { type: 'string' }, problem: { type: 'string' } }) },
      }),
    },
    {
      ok: { type: 'boolean', description: 'The run succeeded, as exit code 0 says; run.ok says only that no output is wrong.' },
      exitCode: {
        enum: [0, 1, 4],
        description: 'The exit code of the run: 0 all right, 1 a wrong output, 4 a fault left a live client without some file.',
      },
      trackers: {
        type: 'array',
        description: "Every tracker's final swarm table.",
        items: object(
          {
            rank: count,
            role: { enum: ['primary', 'standby'] },
            served: { type: 'boolean' },
            lost: { type: 'boolean' },
            swarms: {
              type: 'array',
              items: object({ file: { type: 'string' }, segments: count, seeds: ranks, peers: ranks, completed: count, gaveUp: ranks }),
            },
          },
          { stopped: { type: 'boolean' } },
        ),
      },
      faults: object(
        {
          fired: {
            type: 'array',
            items: object({ spec: { type: 'string' }, action: { enum: ['kill', 'restart'] }, rank: count, seconds }),
          },
          lost: ranks,
          missing: {
            type: 'array',
            items: object({
              output: { type: 'string' },
              rank: count,
              file: { type: 'string' },
              kind: { enum: ['client-lost', 'unavailable', 'no-tracker'] },
              reason: { type: 'string' },
            }),
          },
          unavailable: { type: 'array', items: { type: 'string' } },
          complete: { type: 'array', items: { type: 'string' } },
          trackersAgree: { type: ['boolean', 'null'] },
        },
        {
          noTracker: { type: 'string' },
          dropped: count,
          unfired: { type: 'array', items: { type: 'string' } },
          unasked: { type: 'array', items: object({ rank: count, reason: { type: 'string' } }) },
        },
      ),
      churn: object(
        {
          arrivalSeconds: { type: 'array', items: seconds, description: 'per client (index rank - 1): when it arrived' },
          clients: { ...samples(2), description: '[seconds, clients in some swarm]: the swarm size over time' },
        },
        {},
      ),
    },
  ),
} as const;

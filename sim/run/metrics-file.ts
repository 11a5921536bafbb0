import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { SCHEMA_VERSION, type MetricsDocument } from '../../reports/document.js';
import { METRICS_SCHEMA } from '../../reports/metrics-schema.js';
import { InputError } from '../job/inputs.js';
import { readRegularFile, ReadRefusal } from '../job/read-file.js';

const validate = new Ajv({ allErrors: false, strict: true }).compile<MetricsDocument>(METRICS_SCHEMA);

/** A run folder's metrics.json: `<dir>/report/metrics.json`, `<dir>/metrics.json`, or the file itself. */
export async function findMetrics(path: string): Promise<string> {
  for (const candidate of [join(path, 'report', 'metrics.json'), join(path, 'metrics.json'), path]) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile()) return candidate;
  }
  throw new InputError(path, 'no metrics.json here (expected a run folder, its report/ folder, or the file)');
}

/** Reads and checks a metrics.json against the schema, with the first problem named. */
export async function readMetrics(path: string): Promise<{ file: string; doc: MetricsDocument }> {
  const file = await findMetrics(path);
  const text = await readRegularFile(file, 1024 * 2 ** 20).catch((error: unknown) => {
    throw new InputError(file, error instanceof ReadRefusal ? error.problem : String(error));
  });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(file, `not valid JSON (${(error as Error).message})`);
  }
  const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new InputError(file, `schemaVersion ${JSON.stringify(version)} is not ${SCHEMA_VERSION}, the version this swarmsim reads`);
  }
  if (!validate(data)) {
    const first = validate.errors?.[0];
    throw new InputError(file, `does not match the metrics schema: ${first?.instancePath || '/'} ${first?.message ?? ''}`.trim());
  }
  return { file, doc: data };
}

export { validate as validateMetrics };

import type { Config } from '../config/config-schema';
import { localOutputStore } from './local-output-store';
import type { OutputStore } from './output-store';
import { s3OutputStore } from './s3-output-store';

/** The output store STORAGE names. */
export function createOutputStore(config: Config): OutputStore {
  return config.STORAGE === 's3' ? s3OutputStore(config) : localOutputStore(config.OUTPUTS_DIR);
}

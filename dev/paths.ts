import path from 'node:path';
import { PROJECT_ROOT } from '../lib/config';

export const TEMPORAL_BIN = path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal');
export const DATA_DIR = path.join(PROJECT_ROOT, '.data');
export const SEARCH_ATTRIBUTES_FILE = path.join(PROJECT_ROOT, 'temporal-config', 'search-attributes.json');

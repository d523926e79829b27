import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The product documents in ../shared/seeds (beside the checkout, as on every machine and in CI). */
export const SEEDS_DIR = process.env.POSTBACK_SEEDS_DIR ?? join(__dirname, '../../shared/seeds');

export function readSeed(file: string): string {
	return readFileSync(join(SEEDS_DIR, file), 'utf8');
}

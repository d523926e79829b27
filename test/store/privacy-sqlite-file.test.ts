/**
 * Erasure on SQLite reaches the file itself (issue 13): after erasing a person and closing the store, none of
 * their data is left in the database file or its write-ahead log, not even in freed pages (secure_delete, and a
 * checkpoint after the erasure). PostgreSQL keeps dead row versions until VACUUM: see the README's privacy section.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store';
import { person, personalTexts, plant } from './contract-privacy';

const folder = mkdtempSync(join(tmpdir(), 'privacy-sqlite-file-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** The bytes of the database file and its journal files, as text (latin1: every byte one character). */
function fileBytes(path: string): string {
	return [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]
		.filter((file) => existsSync(file))
		.map((file) => readFileSync(file).toString('latin1'))
		.join('\n');
}

it("leaves none of an erased person's data in the SQLite file or its journal, and keeps another's", async () => {
	const path = join(folder, 'tracking.sqlite');
	const store = await openStore({ kind: 'sqlite', path });
	const alice = person('alicefile', 1);
	const bob = person('bobfile', 2);
	await plant(store, alice);
	await plant(store, bob);
	await store.erasePerson({ email: alice.email });
	// While the store is still open (a long-running n8n), and after it closed.
	for (const moment of ['open', 'closed']) {
		if (moment === 'closed') await store.close();
		const bytes = fileBytes(path);
		for (const text of personalTexts(bob)) expect(bytes.includes(text)).toBe(true);
		expect({ moment, left: personalTexts(alice).filter((text) => bytes.includes(text)) }).toEqual({ moment, left: [] });
	}
});

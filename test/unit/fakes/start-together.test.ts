/** A beforeAll whose fakes fail to start must not leave the others listening (they would keep jest alive). */
import { type JsonFake, startJsonFake } from '../../fakes/server';
import { startTogether } from '../../fakes/start-together';

const ok = () => startJsonFake(() => ({ status: 200, body: { ok: true } }));
const listening = async (fake: JsonFake) =>
	fetch(`${fake.url}/`).then(
		() => true,
		() => false,
	);

describe('startTogether', () => {
	it('gives every fake, in order, when all start', async () => {
		const [first, second] = await startTogether(ok, ok);
		try {
			expect(await listening(first)).toBe(true);
			expect(await listening(second)).toBe(true);
			expect(first.url).not.toBe(second.url);
		} finally {
			await Promise.all([first.close(), second.close()]);
		}
	});

	it('closes the fakes that started when another fails, and rethrows its error', async () => {
		const starts: Array<Promise<JsonFake>> = [];
		const tracked = () => {
			const start = ok();
			starts.push(start);
			return start;
		};
		const broken = async (): Promise<JsonFake> => {
			throw new Error('ENOENT: no such file or directory');
		};
		await expect(startTogether(tracked, broken, tracked)).rejects.toThrow('ENOENT');
		const started = await Promise.all(starts);
		try {
			expect(started).toHaveLength(2);
			for (const fake of started) expect(await listening(fake)).toBe(false);
		} finally {
			// if an assertion failed the servers are still open: close them so this suite cannot hang jest
			await Promise.all(started.map((fake) => fake.close().catch(() => undefined)));
		}
	});
});

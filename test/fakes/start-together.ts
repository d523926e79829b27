/**
 * Starting several fakes side by side in a beforeAll. With `[a, b] = await Promise.all([startA(), startB()])`,
 * a fake that fails to start leaves the others listening and unassigned, so afterAll cannot close them, and
 * their open servers keep jest (which runs in band on a 2-core machine) alive after the run: `npm test` never
 * exits. startTogether closes whatever did start before it rethrows the first failure.
 */
export interface Closable {
	close(): Promise<void>;
}

type Started<T extends ReadonlyArray<() => Promise<Closable>>> = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };

export async function startTogether<T extends ReadonlyArray<() => Promise<Closable>>>(...starters: T): Promise<Started<T>> {
	const outcomes = await Promise.allSettled(starters.map((start) => start()));
	const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
	if (failure) {
		const started = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
		// a close that fails must not hide why the start failed
		await Promise.all(started.map((fake) => fake.close().catch(() => undefined)));
		throw failure.reason;
	}
	return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<Closable>).value) as Started<T>;
}

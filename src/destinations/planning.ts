/**
 * The frame every platform's request planning shares, so a builder is its own event and body and nothing else:
 * the settings checks, planning each event on its own (kept with its input index, or skipped with a reason), and
 * cutting the planned events into requests of at most the platform's batch size.
 */
import type { RequestPlan, SkippedEvent } from './types';

/**
 * Value From can come from an expression: anything but the two amounts (and 'none', where the platform can send
 * no value: Google Ads then uses the conversion action's default) is a setting error.
 */
export function checkValueFrom(valueFrom: unknown, options: { allowNone?: boolean } = {}): void {
	const allowed = options.allowNone ? ['commission', 'amount', 'none'] : ['commission', 'amount'];
	if (valueFrom !== undefined && !allowed.includes(valueFrom as string)) {
		const choices = allowed.map((choice) => `"${choice}"`);
		throw new Error(`Value From must be ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}, not "${String(valueFrom)}"`);
	}
}

/** Why the platform cannot be called (`The Pinterest configuration has no ad account ID and no …`), or undefined when every required setting is there. */
export function missingSettings(platformName: string, settings: Array<[label: string, value: unknown]>): string | undefined {
	const missing = settings.filter(([, value]) => typeof value !== 'string' || value.trim() === '').map(([label]) => label);
	return missing.length > 0 ? `The ${platformName} configuration has no ${missing.join(' and no ')}` : undefined;
}

/** Every event skipped for one reason (a setting missing or wrong): nothing is sent, each item says why. */
export function skipAll(count: number, code: string, reason: string): RequestPlan {
	return { requests: [], skipped: Array.from({ length: count }, (_, index) => ({ index, code, reason })) };
}

/** Plans each event on its own (given its input index): the planned ones with that index, in input order, and the skipped ones. */
export function planEach<E, P extends object>(
	events: E[],
	planOne: (event: E, index: number) => P | { skip: Omit<SkippedEvent, 'index'> },
): { planned: Array<P & { index: number }>; skipped: SkippedEvent[] } {
	const planned: Array<P & { index: number }> = [];
	const skipped: SkippedEvent[] = [];
	events.forEach((event, index) => {
		const result = planOne(event, index);
		if ('skip' in result) skipped.push({ index, ...result.skip });
		else planned.push({ ...(result as P), index });
	});
	return { planned, skipped };
}

/** Consecutive runs of at most `size` items. */
export function inBatches<T>(items: T[], size: number): T[][] {
	const batches: T[][] = [];
	for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
	return batches;
}

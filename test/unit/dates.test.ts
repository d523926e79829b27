import fc from 'fast-check';
import { isValidTimeZone, toUtcIso } from '../../src/networks/dates';

/**
 * The test's own reading of a zone, through Intl only: the wall-clock text an instant shows in a zone,
 * as "YYYY-MM-DD HH:mm:ss.SSS" (the shape ShareASale and TUNE send, with milliseconds).
 */
const testFormatters = new Map<string, Intl.DateTimeFormat>();
function wallText(epochMs: number, timeZone: string): string {
	let formatter = testFormatters.get(timeZone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat('en-GB', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
			fractionalSecondDigits: 3,
		});
		testFormatters.set(timeZone, formatter);
	}
	const parts: Record<string, string> = {};
	for (const part of formatter.formatToParts(new Date(epochMs))) parts[part.type] = part.value;
	return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}.${parts.fractionalSecond}`;
}

const HOUR = 3_600_000;
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Sydney'] as const;

/** The other instant that shows the same wall time, when the wall time is in a fall-back overlap. */
function otherReading(epochMs: number, timeZone: string): number | undefined {
	const text = wallText(epochMs, timeZone);
	for (const shift of [-2 * HOUR, -HOUR, -HOUR / 2, HOUR / 2, HOUR, 2 * HOUR]) {
		if (wallText(epochMs + shift, timeZone) === text) return epochMs + shift;
	}
	return undefined;
}

/** Instants where the zone's wall clock jumps (found with Intl: the wall text stops advancing in step). */
function transitionsIn(year: number, timeZone: string): number[] {
	const wallMs = (epochMs: number) => Date.parse(`${wallText(epochMs, timeZone).replace(' ', 'T')}Z`);
	const offset = (epochMs: number) => wallMs(epochMs) - epochMs;
	const found: number[] = [];
	const start = Date.UTC(year, 0, 1);
	const end = Date.UTC(year + 1, 0, 1);
	for (let at = start; at < end; at += 24 * HOUR) {
		if (offset(at) === offset(at + 24 * HOUR)) continue;
		let low = at;
		let high = at + 24 * HOUR;
		while (high - low > 1000) {
			const middle = Math.floor((low + high) / 2000) * 1000;
			if (offset(middle) === offset(low)) low = middle;
			else high = middle;
		}
		found.push(high);
	}
	return found;
}

describe('toUtcIso: local wall-clock times read in a zone', () => {
	it.each([
		['UTC', '2023-05-21T00:57:45.000Z'],
		['America/New_York', '2023-05-21T04:57:45.000Z'], // EDT, UTC-4
		['America/Chicago', '2023-05-21T05:57:45.000Z'], // CDT, UTC-5
		['Europe/Berlin', '2023-05-20T22:57:45.000Z'], // CEST, UTC+2
		['Asia/Kolkata', '2023-05-20T19:27:45.000Z'], // IST, UTC+5:30
	])('ShareASale 2023-05-21 00:57:45 in %s → %s', (zone, expected) => {
		expect(toUtcIso('2023-05-21 00:57:45', zone)).toBe(expected);
	});

	it('winter time in New York is EST (UTC-5)', () => {
		expect(toUtcIso('2023-01-21 00:57:45', 'America/New_York')).toBe('2023-01-21T05:57:45.000Z');
	});

	it('the default zone is UTC', () => {
		expect(toUtcIso('2023-05-21 00:57:45')).toBe('2023-05-21T00:57:45.000Z');
	});

	it('a T separator, no seconds, and fractions are accepted', () => {
		expect(toUtcIso('2023-05-21T00:57:45', 'UTC')).toBe('2023-05-21T00:57:45.000Z');
		expect(toUtcIso('2023-05-21 00:57', 'UTC')).toBe('2023-05-21T00:57:00.000Z');
		expect(toUtcIso('2023-05-21 00:57:45.5', 'UTC')).toBe('2023-05-21T00:57:45.500Z');
		expect(toUtcIso('2023-05-21 00:57:45.123456789', 'UTC')).toBe('2023-05-21T00:57:45.123Z');
	});

	it('a date alone is midnight in the zone', () => {
		expect(toUtcIso('2023-05-21', 'America/New_York')).toBe('2023-05-21T04:00:00.000Z');
	});

	it('surrounding whitespace is ignored', () => {
		expect(toUtcIso('  2023-05-21 00:57:45\n', 'UTC')).toBe('2023-05-21T00:57:45.000Z');
	});

	it('a leap day exists in 2024 but not in 2023', () => {
		expect(toUtcIso('2024-02-29 12:00:00', 'UTC')).toBe('2024-02-29T12:00:00.000Z');
		expect(toUtcIso('2023-02-29 12:00:00', 'UTC')).toBeUndefined();
	});

	it.each([
		'2023-02-30 10:00:00',
		'2023-04-31 10:00:00',
		'2023-05-21 25:00:00',
		'2023-05-21 24:00:00',
		'2023-05-21 10:60:00',
		'2023-05-21 10:00:60',
		'2023-13-01 10:00:00',
		'2023-00-10 10:00:00',
		'2023-05-00 10:00:00',
	])('%s is not a date-time → undefined', (text) => {
		expect(toUtcIso(text, 'UTC')).toBeUndefined();
		expect(toUtcIso(text, 'America/New_York')).toBeUndefined();
	});

	it('an unknown zone → undefined, never a silent UTC', () => {
		expect(toUtcIso('2023-05-21 00:57:45', 'Mars/Olympus_Mons')).toBeUndefined();
		expect(toUtcIso('2023-05-21 00:57:45', '')).toBeUndefined();
		expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
		expect(isValidTimeZone('America/New_York')).toBe(true);
	});

	it.each(['', 'yesterday', '21/05/2023 00:57:45', '2023-5-21 0:57:45', '12345678', '12345678901234', '-1684630665'])('%j → undefined', (text) => {
		expect(toUtcIso(text, 'UTC')).toBeUndefined();
	});
});

describe('toUtcIso: DST gaps and overlaps (the earlier reading is chosen)', () => {
	it('New York spring-forward gap: 2024-03-10 02:30 does not exist → 06:30Z (01:30 EST, the earlier reading)', () => {
		// Read as EDT (UTC-4) it is 06:30Z; read as EST (UTC-5) it is 07:30Z. The earlier is chosen.
		expect(toUtcIso('2024-03-10 02:30:00', 'America/New_York')).toBe('2024-03-10T06:30:00.000Z');
	});

	it('New York fall-back overlap: 2024-11-03 01:30 happens twice → 05:30Z (the EDT one, the earlier)', () => {
		expect(toUtcIso('2024-11-03 01:30:00', 'America/New_York')).toBe('2024-11-03T05:30:00.000Z');
	});

	it('New York: the minutes either side of the transitions are exact', () => {
		expect(toUtcIso('2024-03-10 01:59:59', 'America/New_York')).toBe('2024-03-10T06:59:59.000Z');
		expect(toUtcIso('2024-03-10 03:00:00', 'America/New_York')).toBe('2024-03-10T07:00:00.000Z');
		expect(toUtcIso('2024-11-03 00:59:59', 'America/New_York')).toBe('2024-11-03T04:59:59.000Z');
		expect(toUtcIso('2024-11-03 02:00:00', 'America/New_York')).toBe('2024-11-03T07:00:00.000Z');
	});

	it('Berlin: the hour before spring-forward is still CET (UTC+1)', () => {
		expect(toUtcIso('2024-03-31 01:30:00', 'Europe/Berlin')).toBe('2024-03-31T00:30:00.000Z');
		expect(toUtcIso('2024-03-31 03:30:00', 'Europe/Berlin')).toBe('2024-03-31T01:30:00.000Z');
	});

	it('Berlin gap: 2024-03-31 02:30 → 00:30Z (the earlier reading)', () => {
		expect(toUtcIso('2024-03-31 02:30:00', 'Europe/Berlin')).toBe('2024-03-31T00:30:00.000Z');
	});

	it('Berlin overlap: 2024-10-27 02:30 happens twice → 00:30Z (CEST, the earlier)', () => {
		expect(toUtcIso('2024-10-27 02:30:00', 'Europe/Berlin')).toBe('2024-10-27T00:30:00.000Z');
		expect(toUtcIso('2024-10-27 03:30:00', 'Europe/Berlin')).toBe('2024-10-27T02:30:00.000Z');
	});

	it('Sydney (southern hemisphere): the hour before spring-forward is AEST, the overlap takes AEDT', () => {
		expect(toUtcIso('2024-10-06 01:30:00', 'Australia/Sydney')).toBe('2024-10-05T15:30:00.000Z');
		expect(toUtcIso('2024-10-06 02:30:00', 'Australia/Sydney')).toBe('2024-10-05T15:30:00.000Z');
		expect(toUtcIso('2024-04-07 02:30:00', 'Australia/Sydney')).toBe('2024-04-06T15:30:00.000Z');
	});
});

describe('toUtcIso: times with an offset, and epochs', () => {
	it.each([
		['2024-01-15T10:22:33-08:00', '2024-01-15T18:22:33.000Z'],
		['2024-01-15T10:22:33-0800', '2024-01-15T18:22:33.000Z'],
		['2024-01-15T10:22:33-08', '2024-01-15T18:22:33.000Z'],
		['2023-05-21T00:57:45Z', '2023-05-21T00:57:45.000Z'],
		['2023-05-21T00:57:45z', '2023-05-21T00:57:45.000Z'],
		['2023-05-21T00:57:45.250Z', '2023-05-21T00:57:45.250Z'],
		['2023-05-21T06:27:45+0530', '2023-05-21T00:57:45.000Z'],
		['2023-05-21T06:27:45+05:30', '2023-05-21T00:57:45.000Z'],
		['2023-05-21 06:27:45 +05:30', '2023-05-21T00:57:45.000Z'],
		['2023-05-21T00:57:45+00:00', '2023-05-21T00:57:45.000Z'],
		['2024-01-01T00:30:00+01:00', '2023-12-31T23:30:00.000Z'],
	])('%s → %s, whatever the zone option', (text, expected) => {
		expect(toUtcIso(text, 'UTC')).toBe(expected);
		expect(toUtcIso(text, 'America/New_York')).toBe(expected);
		expect(toUtcIso(text, 'Asia/Kolkata')).toBe(expected);
	});

	it.each(['2023-02-30T10:00:00Z', '2023-05-21T24:30:00+02:00', '2023-05-21T10:00:00+15:00', '2023-05-21T10:00:00+05:60'])('%s → undefined', (text) => {
		expect(toUtcIso(text, 'UTC')).toBeUndefined();
	});

	it('10 digits are unix seconds', () => {
		expect(toUtcIso('1684630665', 'America/New_York')).toBe('2023-05-21T00:57:45.000Z');
	});

	it('13 digits are unix milliseconds', () => {
		expect(toUtcIso('1684630665123', 'America/New_York')).toBe('2023-05-21T00:57:45.123Z');
	});

	it('9 digits are seconds (2001)', () => {
		expect(toUtcIso('999999999', 'UTC')).toBe('2001-09-09T01:46:39.000Z');
	});
});

describe('toUtcIso properties', () => {
	const instants = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });

	function checkRoundTrip(epochMs: number, zone: string): void {
		const text = wallText(epochMs, zone);
		const parsed = toUtcIso(text, zone);
		expect(parsed).toBeDefined();
		const other = otherReading(epochMs, zone);
		// An ambiguous wall time (fall-back hour) comes back as the earlier of its two instants.
		const expected = other === undefined ? epochMs : Math.min(epochMs, other);
		expect(new Date(parsed!).getTime()).toBe(expected);
	}

	it('any instant 2000–2100, shown as wall-clock text in a zone, reads back as the same instant', () => {
		fc.assert(
			fc.property(instants, fc.constantFrom(...ZONES), (date, zone) => checkRoundTrip(date.getTime(), zone)),
			{ numRuns: 1000 },
		);
	});

	it('the same holds within three hours of every DST transition', () => {
		const cases = fc
			.tuple(fc.integer({ min: 2000, max: 2099 }), fc.constantFrom('America/New_York', 'Europe/Berlin', 'Australia/Sydney'))
			.chain(([year, zone]) => {
				const transitions = transitionsIn(year, zone);
				return fc.tuple(fc.constant(zone), fc.constantFrom(...transitions), fc.integer({ min: -3 * 3600, max: 3 * 3600 }), fc.integer({ min: 0, max: 999 }));
			});
		fc.assert(
			fc.property(cases, ([zone, transition, seconds, ms]) => checkRoundTrip(transition + seconds * 1000 + ms, zone)),
			{ numRuns: 600 },
		);
	});

	it('the test finds two transitions a year in the DST zones and none in Kolkata', () => {
		expect(transitionsIn(2024, 'America/New_York')).toEqual([Date.parse('2024-03-10T07:00:00Z'), Date.parse('2024-11-03T06:00:00Z')]);
		expect(transitionsIn(2024, 'Europe/Berlin')).toEqual([Date.parse('2024-03-31T01:00:00Z'), Date.parse('2024-10-27T01:00:00Z')]);
		expect(transitionsIn(2024, 'Asia/Kolkata')).toEqual([]);
	});

	it('an offset form of any instant reads back exactly', () => {
		fc.assert(
			fc.property(instants, fc.integer({ min: -12 * 4, max: 14 * 4 }), (date, quarterHours) => {
				const offsetMinutes = quarterHours * 15;
				const shifted = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
				const sign = offsetMinutes < 0 ? '-' : '+';
				const abs = Math.abs(offsetMinutes);
				const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
				expect(toUtcIso(`${shifted}${zone}`, 'Asia/Kolkata')).toBe(date.toISOString());
			}),
		);
	});
});

describe('toUtcIso: remembered zone offsets never answer across a transition', () => {
	/** The wall-clock reading of an instant in a zone, as 'YYYY-MM-DD HH:MM:SS' (ICU directly, no cache). */
	const wallClock = (epochMs: number, timeZone: string) =>
		new Intl.DateTimeFormat('sv-SE', {
			timeZone,
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
			hourCycle: 'h23',
		}).format(new Date(epochMs));

	// Transition days (DST on and off, a 30-minute DST shift, a zone without DST), every 7.5 minutes, twice over:
	// the second pass reads everything from the cache the first pass filled.
	it.each([
		['America/New_York', '2026-03-08T00:00:00Z'],
		['America/New_York', '2026-11-01T00:00:00Z'],
		['Europe/London', '2026-03-29T00:00:00Z'],
		['Europe/London', '2026-10-25T00:00:00Z'],
		['Australia/Lord_Howe', '2026-04-04T12:00:00Z'],
		['Asia/Kolkata', '2026-03-08T00:00:00Z'],
	])('%s around %s: every instant read back from its own wall clock', (timeZone, startIso) => {
		const start = Date.parse(startIso);
		for (let pass = 0; pass < 2; pass++) {
			for (let step = 0; step < (36 * 60) / 7.5; step++) {
				const instant = start + step * 7.5 * 60_000;
				const wall = wallClock(instant, timeZone);
				const read = toUtcIso(wall, timeZone);
				expect(read).toBeDefined();
				// The wall time maps back to an instant showing the same wall time (in an overlap: the earlier one).
				expect(wallClock(Date.parse(read!), timeZone)).toBe(wall);
				expect(Date.parse(read!)).toBeLessThanOrEqual(instant);
			}
		}
	});
});

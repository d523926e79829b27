/**
 * Network timestamps arrive in every shape: ISO with an offset, local wall-clock time with no zone
 * (ShareASale, TUNE), unix seconds or milliseconds. All become UTC ISO strings; a local time is read
 * in the zone the operator configures, because guessing the server's zone silently shifts conversions.
 */

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})$/i;
const EPOCH = /^\d{9,13}$/;
const DAY_MS = 86_400_000;

const formatterCache = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
	let formatter = formatterCache.get(timeZone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
		});
		formatterCache.set(timeZone, formatter);
	}
	return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
	try {
		formatterFor(timeZone);
		return true;
	} catch {
		return false;
	}
}

/** Milliseconds that `timeZone` is ahead of UTC at the instant `epochMs`, asked of ICU (slow: about 5 µs). */
function exactZoneOffsetMs(timeZone: string, epochMs: number): number {
	const parts: Record<string, number> = {};
	for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
		if (part.type !== 'literal') parts[part.type] = Number(part.value);
	}
	const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
	return asUtc - Math.floor(epochMs / 1000) * 1000;
}

const HOUR_MS = 3_600_000;
const OFFSET_CACHE_LIMIT = 50_000;
/** Zone offsets of whole UTC hours that contain no transition, keyed by zone and hour. */
const hourOffsets = new Map<string, number>();

/**
 * Milliseconds that `timeZone` is ahead of UTC at the instant `epochMs`. Every local timestamp costs four
 * offset lookups, so offsets are remembered per UTC hour — but only for an hour whose first and last second
 * have the same offset, i.e. an hour with no transition in it (zones change offset at most once an hour), so
 * the cache can never answer across a DST change.
 */
function zoneOffsetMs(timeZone: string, epochMs: number): number {
	const hour = Math.floor(epochMs / HOUR_MS);
	const key = `${timeZone}\u0000${hour}`;
	const cached = hourOffsets.get(key);
	if (cached !== undefined) return cached;
	const first = exactZoneOffsetMs(timeZone, hour * HOUR_MS);
	const last = exactZoneOffsetMs(timeZone, hour * HOUR_MS + HOUR_MS - 1000);
	if (first !== last) return exactZoneOffsetMs(timeZone, epochMs);
	if (hourOffsets.size >= OFFSET_CACHE_LIMIT) hourOffsets.clear();
	hourOffsets.set(key, first);
	return first;
}

function validCalendar(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
	if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
	const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
	return day <= daysInMonth;
}

function fractionMs(fraction: string | undefined): number {
	return fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
}

/** A wall-clock time in `timeZone` as epoch ms; in a DST gap or overlap the earlier reading wins. */
function localToEpoch(fields: number[], ms: number, timeZone: string): number {
	const [year, month, day, hour, minute, second] = fields;
	const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
	// The offsets a day either side span any transition near this wall time. A reading that maps back
	// to the same wall time is real (two in an overlap); in a gap neither is, and the earlier is taken.
	const readings = [-DAY_MS, DAY_MS].map((shift) => wallAsUtc - zoneOffsetMs(timeZone, wallAsUtc + shift));
	const real = readings.filter((epoch) => epoch + zoneOffsetMs(timeZone, epoch) === wallAsUtc);
	return Math.min(...(real.length > 0 ? real : readings));
}

/**
 * The UTC ISO string for a network's timestamp, or undefined when the text is not a date-time.
 * `timeZone` applies only to values without an offset.
 */
export function toUtcIso(text: string, timeZone = 'UTC'): string | undefined {
	const value = text.trim();
	if (EPOCH.test(value)) {
		const number = Number(value);
		// 10 digits are seconds (until 2286); 13 are milliseconds.
		const epochMs = value.length <= 10 ? number * 1000 : number;
		return new Date(epochMs).toISOString();
	}
	const offsetMatch = WITH_OFFSET.exec(value);
	if (offsetMatch) {
		const [, y, mo, d, h, mi, s = '0', fraction, zone] = offsetMatch;
		const fields = [y, mo, d, h, mi, s].map(Number);
		if (!validCalendar(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])) return undefined;
		let offsetMinutes = 0;
		if (zone.toUpperCase() !== 'Z') {
			const digits = zone.slice(1).replace(':', '').padEnd(4, '0');
			const hours = Number(digits.slice(0, 2));
			const minutes = Number(digits.slice(2, 4));
			if (hours > 14 || minutes > 59) return undefined;
			offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
		}
		const epochMs = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5], fractionMs(fraction)) - offsetMinutes * 60_000;
		return new Date(epochMs).toISOString();
	}
	const localMatch = LOCAL.exec(value) ?? (DATE_ONLY.test(value) ? LOCAL.exec(`${value} 00:00:00`) : null);
	if (localMatch) {
		const [, y, mo, d, h, mi, s = '0', fraction] = localMatch;
		const fields = [y, mo, d, h, mi, s].map(Number);
		if (!validCalendar(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])) return undefined;
		if (!isValidTimeZone(timeZone)) return undefined;
		return new Date(localToEpoch(fields, fractionMs(fraction), timeZone)).toISOString();
	}
	return undefined;
}

import { isIP } from 'node:net';

/** An IPv4 or IPv6 address as a 128-bit number (IPv4 mapped into ::ffff:0:0/96). */
function toBigInt(address: string): bigint | undefined {
	let text = address.trim();
	if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
	const zone = text.indexOf('%');
	if (zone !== -1) text = text.slice(0, zone);
	const version = isIP(text);
	if (version === 4) {
		const value = text.split('.').reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n);
		return (0xffffn << 32n) + value;
	}
	if (version !== 6) return undefined;
	let head = text;
	let tailV4: bigint | undefined;
	const lastColon = text.lastIndexOf(':');
	if (text.slice(lastColon + 1).includes('.')) {
		const v4 = toBigInt(text.slice(lastColon + 1));
		if (v4 === undefined) return undefined;
		tailV4 = v4 & 0xffffffffn;
		head = `${text.slice(0, lastColon + 1)}0:0`;
	}
	const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
	const leftParts = left ? left.split(':') : [];
	const rightParts = right === undefined ? [] : right ? right.split(':') : [];
	const fill = right === undefined ? 0 : 8 - leftParts.length - rightParts.length;
	const groups = [...leftParts, ...Array<string>(fill).fill('0'), ...rightParts];
	if (groups.length !== 8) return undefined;
	let value = groups.reduce((acc, group) => (acc << 16n) + BigInt(parseInt(group || '0', 16)), 0n);
	if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
	return value;
}

export interface IpRange {
	network: bigint;
	prefix: number;
	text: string;
}

/** Parses "203.0.113.7", "203.0.113.0/24" or "2001:db8::/32"; undefined when malformed. */
export function parseIpRange(entry: string): IpRange | undefined {
	const text = entry.trim();
	if (!text) return undefined;
	const [address, prefixText] = text.split('/');
	const value = toBigInt(address);
	if (value === undefined) return undefined;
	const isV4 = isIP(address.trim()) === 4;
	let prefix = 128;
	if (prefixText !== undefined) {
		if (!/^\d{1,3}$/.test(prefixText)) return undefined;
		const bits = Number(prefixText);
		if (bits > (isV4 ? 32 : 128)) return undefined;
		prefix = isV4 ? 96 + bits : bits;
	}
	const mask = prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
	return { network: value & mask, prefix, text };
}

export function ipInRange(address: string, range: IpRange): boolean {
	const value = toBigInt(address);
	if (value === undefined) return false;
	const mask = range.prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - range.prefix)) - 1n);
	return (value & mask) === range.network;
}

/** Splits an allowlist written by an operator (commas, spaces or new lines) and reports entries it cannot read. */
export function parseAllowlist(text: string): { ranges: IpRange[]; invalid: string[] } {
	const ranges: IpRange[] = [];
	const invalid: string[] = [];
	for (const entry of text.split(/[\s,;]+/).filter(Boolean)) {
		const range = parseIpRange(entry);
		if (range) ranges.push(range);
		else invalid.push(entry);
	}
	return { ranges, invalid };
}

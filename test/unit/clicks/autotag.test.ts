import { parse } from 'acorn';
import { Script, createContext } from 'node:vm';
import { autoTagConfig, autoTagScript, trackClick } from '../../../src/clicks';
import type { AutoTagOptions, ClickRequest, TrackerConfig } from '../../../src/clicks';

const TRACKER = 'https://n8n.example.com/webhook/go';
const FBP = 'fb.1.1700000000000.1234567890';
const FBC = 'fb.1.1700000000000.FB1';

/** An anchor element as far as the script looks at it: href resolves like a browser's, attributes. */
class FakeLink {
	private readonly attributes: Record<string, string>;
	constructor(
		href: string,
		private readonly page: FakePage,
		extra: Record<string, string> = {},
	) {
		this.attributes = { href, ...extra };
	}
	get href(): string {
		try {
			return new URL(this.attributes.href, this.page.url).href;
		} catch {
			return this.attributes.href;
		}
	}
	set href(value: string) {
		this.attributes.href = value;
	}
	getAttribute(name: string): string | null {
		return this.attributes[name] ?? null;
	}
	setAttribute(name: string, value: string): void {
		this.attributes[name] = value;
	}
	closest(selector: string): FakeLink | null {
		return selector === 'a[href]' ? this : null;
	}
}

interface PageSetup {
	url: string;
	links: Array<string | [string, Record<string, string>]>;
	cookie?: string;
	referrer?: string;
	scriptSrc?: string;
	storage?: Map<string, string> | 'broken';
	readyState?: string;
}

/** A page with just enough DOM for the script: document, window, location, sessionStorage. */
class FakePage {
	readonly url: string;
	readonly links: FakeLink[];
	readonly listeners: Array<{ type: string; handler: (event: unknown) => void }> = [];
	readonly window: Record<string, unknown>;
	readonly storage: Map<string, string>;

	constructor(private readonly setup: PageSetup) {
		this.url = setup.url;
		this.links = setup.links.map((entry) => (typeof entry === 'string' ? new FakeLink(entry, this) : new FakeLink(entry[0], this, entry[1])));
		this.storage = setup.storage instanceof Map ? setup.storage : new Map();
		const storage = this.storage;
		const sessionStorage =
			setup.storage === 'broken'
				? {
						getItem: () => {
							throw new Error('SecurityError');
						},
						setItem: () => {
							throw new Error('SecurityError');
						},
					}
				: { getItem: (key: string) => storage.get(key) ?? null, setItem: (key: string, value: string) => void storage.set(key, String(value)) };
		this.window = { location: { href: setup.url }, sessionStorage };
	}

	run(script: string): void {
		const document = {
			cookie: this.setup.cookie ?? '',
			referrer: this.setup.referrer ?? '',
			readyState: this.setup.readyState ?? 'complete',
			currentScript: this.setup.scriptSrc === undefined ? null : { src: this.setup.scriptSrc },
			querySelectorAll: (selector: string) => (selector === 'a[href]' ? this.links : []),
			addEventListener: (type: string, handler: (event: unknown) => void) => this.listeners.push({ type, handler }),
		};
		const context = createContext({ window: this.window, document, URL });
		new Script(script, { filename: 'autotag.js' }).runInContext(context, { timeout: 1000 });
	}

	fire(type: string, event: unknown): void {
		for (const listener of this.listeners.filter((entry) => entry.type === type)) listener.handler(event);
	}

	hrefs(): string[] {
		return this.links.map((link) => link.getAttribute('href')!);
	}
}

const SHAREASALE = 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=';
const AWIN = 'https://www.awin1.com/cread.php?awinmid=1&awinaffid=2';
const IMPACT = 'https://brand.sjv.io/c/1/2/3';
const PLAIN = 'https://news.example.org/article';
const PLACEHOLDER_ALLOWED = 'https://offers.example.com/go?sub=--CLICK-ID--';
const PLACEHOLDER_OTHER = 'https://elsewhere.example.net/go?sub=--CLICK-ID--';
const OFFER_LINK = `${TRACKER}?offer=wpengine`;

const options: AutoTagOptions = { allowedDomains: 'shareasale.com, awin1.com, example.com' };
const trackerConfig: TrackerConfig = {
	allowedDomains: options.allowedDomains,
	offers: [{ name: 'wpengine', url: SHAREASALE }],
};

function landingPage(extra: Partial<PageSetup> = {}): FakePage {
	return new FakePage({
		url: 'https://blog.example.com/review?fbclid=FB1&gclid=G1&utm_source=facebook',
		referrer: 'https://www.facebook.com/',
		cookie: `_fbp=${FBP}; _fbc=${FBC}; other=1`,
		scriptSrc: `${TRACKER}/autotag.js?v=3`,
		links: [SHAREASALE, AWIN, IMPACT, PLAIN, PLACEHOLDER_ALLOWED, PLACEHOLDER_OTHER, OFFER_LINK, 'mailto:hello@example.com', '/relative/page'],
		...extra,
	});
}

/** The tracker request a routed link makes, as the Click Tracker would read it. */
function followToTracker(href: string): ClickRequest {
	const url = new URL(href);
	expect(`${url.origin}${url.pathname}`).toBe(TRACKER);
	return { method: 'GET', query: Object.fromEntries(url.searchParams), headers: {}, ip: '198.51.100.1' };
}

describe('autoTagScript: the script itself', () => {
	it('is a plain ES2017 script', () => {
		const script = autoTagScript(options);
		expect(() => parse(script, { ecmaVersion: 2017, sourceType: 'script' })).not.toThrow();
		expect(() => new Script(script)).not.toThrow();
		expect(script.length).toBeLessThan(8000);
	});

	it('carries its settings as inert JSON, safe even when pasted inline', () => {
		const script = autoTagScript({ trackerUrl: 'https://x.example/</script><script>alert(1)</script>' });
		expect(script).not.toContain('</script>');
		expect(() => parse(script, { ecmaVersion: 2017 })).not.toThrow();
	});

	it("knows the network domains, the offers' domains and the allowlist", () => {
		const config = autoTagConfig({
			allowedDomains: 'Example.com, bad/entry',
			offers: [
				{ name: 'ef', url: 'https://trk.brand.test/x', network: 'everflow' },
				{ name: 'cp', url: 'https://trk2.brand.test/x', subidParam: 'aff_sub' },
				{ name: 'ph', url: 'https://trk3.brand.test/--CLICK-ID--' },
			],
		});
		expect(config.hosts['shareasale.com']).toEqual(['shareasale', 'afftrack']);
		expect(config.hosts['awin1.com']).toEqual(['awin', 'clickref']);
		expect(config.hosts['trk.brand.test']).toEqual(['everflow', 'sub1']);
		expect(config.hosts['trk2.brand.test']).toEqual(['', 'aff_sub']);
		expect(config.hosts).not.toHaveProperty('trk3.brand.test');
		expect(config.allowed).toEqual(['example.com']);
		expect(config).toMatchObject({ mode: 'route', clickParam: 'click_id', clickCookie: 'pb_vid_click', tracker: '' });
	});
});

describe('AutoTag in a page: route mode (default)', () => {
	it("routes links to known networks on allowed domains through the tracker, with the visit's ad ids", () => {
		const page = landingPage();
		page.run(autoTagScript(options));
		const [shareasale, awin, impact, plain, placeholderAllowed, placeholderOther, offerLink, mailto, relative] = page.hrefs();

		const routed = new URL(shareasale);
		expect(`${routed.origin}${routed.pathname}`).toBe(TRACKER);
		expect(Object.fromEntries(routed.searchParams)).toEqual({
			url: SHAREASALE,
			network: 'shareasale',
			fbclid: 'FB1',
			gclid: 'G1',
			utm_source: 'facebook',
			fbc: FBC,
			fbp: FBP,
			landing: 'https://blog.example.com/review?fbclid=FB1&gclid=G1&utm_source=facebook',
			ref: 'https://www.facebook.com/',
		});
		expect(new URL(awin).searchParams.get('url')).toBe(AWIN);
		expect(new URL(awin).searchParams.get('network')).toBe('awin');
		expect(new URL(placeholderAllowed).searchParams.get('url')).toBe(PLACEHOLDER_ALLOWED);
		// Not on an allowed domain (the tracker would refuse it), not a network, not http: left alone.
		expect(impact).toBe(IMPACT);
		expect(plain).toBe(PLAIN);
		expect(placeholderOther).toBe(PLACEHOLDER_OTHER);
		expect(mailto).toBe('mailto:hello@example.com');
		expect(relative).toBe('/relative/page');
		// The operator's own tracker links get the ad ids and pages added.
		expect(offerLink.startsWith(`${OFFER_LINK}&`)).toBe(true);
		expect(new URL(offerLink).searchParams.get('fbclid')).toBe('FB1');
		expect(page.links.filter((link) => link.getAttribute('data-pb-tagged') === '1')).toHaveLength(4);
	});

	it('the routed link, followed, is accepted by the Click Tracker and redirects with the subid', () => {
		const page = landingPage();
		page.run(autoTagScript(options));
		for (const index of [0, 1, 4, 6]) {
			const outcome = trackClick(followToTracker(page.hrefs()[index]), trackerConfig);
			expect(outcome.response.status).toBe(302);
			const clickId = outcome.click!.clickId;
			expect(outcome.response.headers.Location).toContain(clickId);
			expect(outcome.click).toMatchObject({
				fbclid: 'FB1',
				fbc: FBC,
				fbp: FBP,
				gclid: 'G1',
				utm: { source: 'facebook' },
				referrer: 'https://www.facebook.com/',
			});
		}
		const shareasale = trackClick(followToTracker(page.hrefs()[0]), trackerConfig);
		expect(shareasale.response.headers.Location).toBe(`${SHAREASALE}${shareasale.click!.clickId}`);
	});

	it("forwards GA4's _ga, Snapchat's _scid and Reddit's _rdt_uuid cookies, which the Click Tracker keeps for their platforms", () => {
		const page = landingPage({ cookie: `_fbp=${FBP}; _ga=GA1.1.1234567890.1700000000; _scid=scid-9; _rdt_uuid=1700000000000.uuid-9` });
		page.run(autoTagScript(options));
		const routed = new URL(page.hrefs()[0]);
		expect(routed.searchParams.get('ga')).toBe('GA1.1.1234567890.1700000000');
		expect(routed.searchParams.get('scid')).toBe('scid-9');
		expect(routed.searchParams.get('rdt_uuid')).toBe('1700000000000.uuid-9');
		const outcome = trackClick(followToTracker(page.hrefs()[0]), trackerConfig);
		expect(outcome.click).toMatchObject({ gaClientId: '1234567890.1700000000', scCookie1: 'scid-9', rdtUuid: '1700000000000.uuid-9' });
	});

	it('running twice (or scanning again) does not tag a link twice', () => {
		const page = landingPage();
		page.run(autoTagScript(options));
		const first = page.hrefs();
		page.run(autoTagScript(options));
		expect(page.hrefs()).toEqual(first);
	});

	it('remembers the landing page ad ids for the rest of the visit (sessionStorage)', () => {
		const storage = new Map<string, string>();
		landingPage({ storage }).run(autoTagScript(options));
		const second = new FakePage({
			url: 'https://blog.example.com/other-page',
			referrer: 'https://blog.example.com/review',
			scriptSrc: `${TRACKER}/autotag.js`,
			links: [SHAREASALE],
			storage,
		});
		second.run(autoTagScript(options));
		const routed = new URL(second.hrefs()[0]).searchParams;
		expect(routed.get('fbclid')).toBe('FB1');
		expect(routed.get('ref')).toBe('https://www.facebook.com/');
		expect(routed.get('landing')).toBe('https://blog.example.com/other-page');
	});

	it('still works when storage is blocked', () => {
		const page = landingPage({ storage: 'broken' });
		page.run(autoTagScript(options));
		expect(new URL(page.hrefs()[0]).searchParams.get('fbclid')).toBe('FB1');
	});

	it('tags links added later when the visitor reaches for them', () => {
		const page = landingPage({ links: [] });
		page.run(autoTagScript(options));
		const late = new FakeLink(AWIN, page);
		page.fire('mousedown', { target: { closest: () => late } });
		expect(new URL(late.getAttribute('href')!).searchParams.get('url')).toBe(AWIN);
		page.fire('click', { target: null });
	});

	it('waits for the document when loaded in the head', () => {
		const page = landingPage({ readyState: 'loading' });
		page.run(autoTagScript(options));
		expect(page.hrefs()[0]).toBe(SHAREASALE);
		page.fire('DOMContentLoaded', {});
		expect(page.hrefs()[0].startsWith(`${TRACKER}?url=`)).toBe(true);
	});

	it('prefers the configured tracker URL, and does nothing it cannot route without one', () => {
		const configured = landingPage({ scriptSrc: 'https://cdn.example.com/copy-of-autotag.js' });
		configured.run(autoTagScript({ ...options, trackerUrl: 'https://track.example.com/webhook/go/' }));
		expect(configured.hrefs()[0].startsWith('https://track.example.com/webhook/go?url=')).toBe(true);

		const unknown = landingPage({ scriptSrc: 'https://cdn.example.com/copy-of-autotag.js' });
		unknown.run(autoTagScript(options));
		expect(unknown.hrefs()[0]).toBe(SHAREASALE);
	});

	it('honours data-pb-network for links on domains it does not know', () => {
		const page = landingPage({ links: [['https://track.example.com/click?o=9', { 'data-pb-network': 'everflow' }]] });
		page.run(autoTagScript(options));
		const routed = new URL(page.hrefs()[0]).searchParams;
		expect(routed.get('network')).toBe('everflow');
		const outcome = trackClick(followToTracker(page.hrefs()[0]), trackerConfig);
		expect(outcome.response.headers.Location).toBe(`https://track.example.com/click?o=9&sub1=${outcome.click!.clickId}`);
	});
});

describe('AutoTag in a page: tag mode', () => {
	const tagOptions: AutoTagOptions = { ...options, mode: 'tag' };

	it('writes the click id the tracker handed to the page straight into network links', () => {
		const page = landingPage({ url: 'https://blog.example.com/review?click_id=abc123def' });
		page.run(autoTagScript(tagOptions));
		const [shareasale, awin, impact, plain, placeholderAllowed, placeholderOther] = page.hrefs();
		expect(shareasale).toBe(`${SHAREASALE}abc123def`);
		expect(awin).toBe(`${AWIN}&clickref=abc123def`);
		// Tagging needs no allowlist: the visitor goes straight to the network.
		expect(impact).toBe(`${IMPACT}?subId1=abc123def`);
		expect(plain).toBe(PLAIN);
		expect(placeholderAllowed).toBe('https://offers.example.com/go?sub=abc123def');
		expect(placeholderOther).toBe('https://elsewhere.example.net/go?sub=abc123def');
	});

	it('reads the click id from the tracker cookie when the page shares its domain', () => {
		const page = landingPage({ url: 'https://blog.example.com/', cookie: 'pb_vid_click=fromcookie1' });
		page.run(autoTagScript(tagOptions));
		expect(page.hrefs()[0]).toBe(`${SHAREASALE}fromcookie1`);
	});

	it('routes when the visit has no click id yet', () => {
		const page = landingPage();
		page.run(autoTagScript(tagOptions));
		expect(page.hrefs()[0].startsWith(`${TRACKER}?url=`)).toBe(true);
	});
});

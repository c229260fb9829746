/**
 * Generated knowledge articles for the search benches (bench/search-engines.ts and the knowledge
 * search load of `npm run bench`): a seeded PRNG, so every run indexes the same 10,000 articles and
 * sends the same queries. Titles and ~150-word bodies are drawn from an IT-support vocabulary in
 * which many words come in several forms (install, installed, installing, installation), term
 * frequencies are skewed (a few subjects are common, most are rare), and bodies carry the long tail
 * of real articles: error codes, host names, versions.
 */

/** mulberry32: small, fast, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
/** Skewed pick: item i with weight 1/(i+1)^0.8 (Zipf-like), so early items are common. */
function zipf<T>(random: Random, items: readonly T[]): T {
  const weight = (i: number) => (i + 1) ** -0.8;
  const harmonic = items.reduce((sum, _, i) => sum + weight(i), 0);
  let r = random() * harmonic;
  for (let i = 0; i < items.length; i++) {
    r -= weight(i);
    if (r <= 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

/** Subjects, most common first (the skew of a real service desk: mail and passwords dominate). */
export const SUBJECTS = [
  'password',
  'email',
  'outlook',
  'vpn',
  'printer',
  'laptop',
  'wifi',
  'teams',
  'account',
  'mailbox',
  'sharepoint',
  'onedrive',
  'browser',
  'certificate',
  'monitor',
  'keyboard',
  'headset',
  'webcam',
  'docking station',
  'calendar',
  'network drive',
  'shared folder',
  'license',
  'antivirus',
  'firewall',
  'proxy',
  'database',
  'server',
  'backup',
  'disk',
  'smartphone',
  'tablet',
  'scanner',
  'projector',
  'badge reader',
  'citrix',
  'remote desktop',
  'active directory',
  'group policy',
  'dns',
  'dhcp',
  'switch',
  'router',
  'payroll application',
  'expense tool',
  'erp',
  'crm',
  'intranet',
  'wiki',
  'ticketing portal',
  'bluetooth',
  'usb port',
  'battery',
  'power supply',
  'fan',
  'bios',
  'bitlocker',
  'encryption key',
  'token',
  'authenticator app',
  'jira',
  'confluence',
  'zoom',
  'webex',
  'slack',
  'okta',
  'salesforce',
  'servicenow',
  'workday',
  'tableau',
  'power bi',
  'excel',
  'word',
  'powerpoint',
  'visio',
  'project',
  'adobe reader',
  'acrobat',
  'photoshop',
  'autocad',
  'matlab',
  'python',
  'java runtime',
  'dotnet framework',
  'visual studio',
  'git client',
  'putty',
  'winscp',
  'filezilla',
  'notepad',
  'seven zip',
  'chrome extension',
  'pdf printer',
  'label printer',
  'plotter',
  'fax',
  'desk phone',
  'softphone',
  'voicemail',
  'conference room',
  'meeting room display',
  'wireless presenter',
  'kvm switch',
  'thin client',
  'virtual machine',
  'hypervisor',
  'container',
  'kubernetes cluster',
  'load balancer',
  'storage array',
  'nas',
  'san',
  'tape library',
  'ups',
  'patch panel',
  'access point',
  'guest network',
  'captive portal',
  'radius server',
  'ldap',
  'sso',
  'saml',
  'oauth',
  'api key',
  'service account',
  'distribution list',
  'shared mailbox',
  'mail forwarding',
  'out of office',
  'spam filter',
  'quarantine',
  'phishing report',
  'sender policy',
  'dkim',
  'mailbox quota',
  'archive',
  'pst file',
  'ost file',
  'address book',
  'contacts',
  'signature',
  'encryption certificate',
  'smart card',
  'pin',
  'fingerprint reader',
  'face recognition',
  'hello for business',
  'recovery key',
  'secure boot',
  'tpm',
  'uefi',
  'driver package',
  'software center',
  'company portal',
  'intune',
  'mdm profile',
  'mobile device',
  'sim card',
  'esim',
  'roaming',
  'hotspot',
  'tethering',
  'ethernet adapter',
  'usb hub',
  'external drive',
  'sd card',
  'camera',
  'microphone',
  'speaker',
  'sound card',
  'graphics card',
  'display adapter',
  'second screen',
  'resolution',
  'touchpad',
  'mouse',
  'stylus',
  'hinge',
  'charger',
  'power button',
  'sleep mode',
  'hibernation',
  'startup',
  'login screen',
  'lock screen',
  'desktop',
  'start menu',
  'taskbar',
  'file explorer',
  'recycle bin',
  'temp folder',
  'user profile',
  'roaming profile',
  'home directory',
  'print queue',
  'spooler',
  'toner',
  'paper tray',
  'duplex',
  'scan to email',
  'ocr',
  'time sheet',
  'leave request',
  'purchase order',
  'invoice',
  'travel booking',
  'room booking',
  'visitor badge',
  'parking permit',
  'locker',
  'onboarding',
  'offboarding',
  'access request',
  'software request',
  'hardware request',
  'asset tag',
  'warranty',
  'repair',
  'loan laptop',
] as const;

/** Actions in several forms: [base, -ed, -ing, noun]. Queries use one form, articles another. */
export const ACTIONS: readonly (readonly [string, string, string, string])[] = [
  ['install', 'installed', 'installing', 'installation'],
  ['configure', 'configured', 'configuring', 'configuration'],
  ['connect', 'connected', 'connecting', 'connection'],
  ['reset', 'reset', 'resetting', 'reset'],
  ['restart', 'restarted', 'restarting', 'restart'],
  ['synchronize', 'synchronized', 'synchronizing', 'synchronization'],
  ['update', 'updated', 'updating', 'update'],
  ['print', 'printed', 'printing', 'printout'],
  ['authenticate', 'authenticated', 'authenticating', 'authentication'],
  ['encrypt', 'encrypted', 'encrypting', 'encryption'],
  ['upgrade', 'upgraded', 'upgrading', 'upgrade'],
  ['migrate', 'migrated', 'migrating', 'migration'],
  ['unlock', 'unlocked', 'unlocking', 'unlock'],
  ['register', 'registered', 'registering', 'registration'],
  ['activate', 'activated', 'activating', 'activation'],
  ['delete', 'deleted', 'deleting', 'deletion'],
  ['recover', 'recovered', 'recovering', 'recovery'],
  ['restore', 'restored', 'restoring', 'restoration'],
  ['share', 'shared', 'sharing', 'share'],
  ['map', 'mapped', 'mapping', 'mapping'],
  ['enroll', 'enrolled', 'enrolling', 'enrollment'],
  ['renew', 'renewed', 'renewing', 'renewal'],
  ['download', 'downloaded', 'downloading', 'download'],
  ['uninstall', 'uninstalled', 'uninstalling', 'removal'],
  ['verify', 'verified', 'verifying', 'verification'],
];

/** Symptoms, several forms too. */
export const SYMPTOMS: readonly (readonly [string, string, string])[] = [
  ['fails', 'failed', 'failure'],
  ['crashes', 'crashed', 'crash'],
  ['freezes', 'frozen', 'freeze'],
  ['disconnects', 'disconnected', 'disconnection'],
  ['hangs', 'hung', 'hang'],
  ['times out', 'timed out', 'timeout'],
  ['is slow', 'slowed down', 'slowness'],
  ['is blocked', 'blocked', 'blocking'],
  ['is locked', 'locked', 'lockout'],
  ['expires', 'expired', 'expiration'],
  ['is missing', 'missing', 'missing'],
  ['is rejected', 'rejected', 'rejection'],
  ['overheats', 'overheated', 'overheating'],
  ['flickers', 'flickering', 'flicker'],
  ['drops', 'dropped', 'dropout'],
];

export const PLATFORMS = ['Windows 11', 'Windows 10', 'macOS', 'Linux', 'iOS', 'Android', 'Chrome', 'Edge', 'Firefox', 'Ubuntu'] as const;
const EVENTS = [
  'the latest update',
  'a credentials change',
  'the migration',
  'a reboot',
  'the upgrade',
  'a power outage',
  'a move to another office',
  'travel',
];
const PEOPLE = ['the user', 'the requester', 'an agent', 'the service desk', 'your manager', 'the site administrator', 'the network team'];
const CONNECTORS = ['First', 'Then', 'Next', 'If this does not help', 'Afterwards', 'Before you call the service desk', 'In most cases', 'Note that'];
const FILLER = [
  'usually',
  'sometimes',
  'often',
  'quickly',
  'carefully',
  'correct',
  'wrong',
  'new',
  'old',
  'current',
  'previous',
  'default',
  'custom',
  'local',
  'remote',
  'internal',
  'external',
  'primary',
  'secondary',
  'available',
  'unavailable',
  'visible',
  'hidden',
  'enabled',
  'disabled',
  'allowed',
  'required',
  'optional',
  'manual',
  'automatic',
  'daily',
  'weekly',
  'monthly',
  'morning',
  'evening',
  'weekend',
  'colleague',
  'team',
  'department',
  'building',
  'floor',
  'room',
  'desk',
  'site',
  'region',
  'country',
  'language',
  'keyboard layout',
  'time zone',
  'date',
  'name',
  'address',
  'number',
  'code',
  'field',
  'form',
  'list',
  'table',
  'column',
  'row',
  'page',
  'tab',
  'panel',
  'dialog',
  'prompt',
  'notification',
  'banner',
  'icon',
  'shortcut',
  'toolbar',
  'status',
  'progress',
  'result',
  'report',
  'request',
  'ticket',
  'reference',
  'document',
  'guide',
  'article',
  'instruction',
  'procedure',
  'workaround',
  'solution',
  'cause',
  'symptom',
  'impact',
  'priority',
  'owner',
  'approver',
  'manager',
  'vendor',
  'supplier',
  'contract',
  'budget',
  'cost',
  'the',
  'a',
  'your',
  'this',
  'and',
  'or',
  'with',
  'from',
  'on',
  'in',
  'for',
  'when',
  'after',
  'before',
  'again',
  'settings',
  'menu',
  'window',
  'button',
  'message',
  'screen',
  'option',
  'profile',
  'device',
  'computer',
  'application',
  'service',
  'user',
  'error',
  'issue',
  'problem',
  'step',
  'check',
  'open',
  'select',
  'click',
  'choose',
  'enter',
  'close',
  'wait',
  'minutes',
  'seconds',
  'office',
  'home',
  'network',
  'cable',
  'signal',
  'session',
  'policy',
  'admin',
  'rights',
  'portal',
  'link',
  'file',
  'folder',
  'log',
  'cache',
  'cookies',
  'driver',
  'firmware',
  'version',
  'patch',
  'client',
];

const hex = (random: Random, length: number) =>
  Array.from({ length }, () => '0123456789ABCDEF'[Math.floor(random() * 16)])
    .join('')
    .toUpperCase();
/** The long tail: error codes, host names, versions, ports (each rare, together many distinct terms). */
function rareToken(random: Random): string {
  switch (Math.floor(random() * 5)) {
    case 0:
      return `0x${hex(random, 8)}`;
    case 1:
      return `srv${Math.floor(random() * 900) + 100}`;
    case 2:
      return `${Math.floor(random() * 20) + 1}.${Math.floor(random() * 10)}.${Math.floor(random() * 30)}`;
    case 3:
      return `error ${Math.floor(random() * 9000) + 1000}`;
    default:
      return `port ${pick(random, ['443', '8080', '3389', '445', '53', '1194', '25', '587', '993'])}`;
  }
}

export interface GeneratedArticle {
  readonly n: number;
  readonly title: string;
  readonly body: string;
  readonly keywords: string[];
  readonly category: string;
  readonly service: string;
  readonly audience: 'public' | 'internal';
}

const CATEGORIES = ['how-to', 'troubleshooting', 'known-error', 'faq', 'policy'];
const SERVICES = ['email', 'network', 'workplace', 'identity', 'collaboration', 'erp', 'printing', 'telephony'];

function title(random: Random, subject: string, action: readonly string[], symptom: readonly string[]): string {
  switch (Math.floor(random() * 6)) {
    case 0:
      return `How to ${action[0]} the ${subject} on ${pick(random, PLATFORMS)}`;
    case 1:
      return `${capital(subject)} ${symptom[0]} after ${pick(random, EVENTS)}`;
    case 2:
      return `Cannot ${action[0]} ${subject}: ${rareToken(random)}`;
    case 3:
      return `${capital(action[3] as string)} of the ${subject} ${symptom[1]}`;
    case 4:
      return `${capital(subject)} ${action[3]} guide`;
    default:
      return `Troubleshooting ${subject} ${symptom[2]} when ${action[2]}`;
  }
}
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What one article is about: its subject, a few related subjects, actions and symptoms. Its sentences stay on them. */
interface Focus {
  readonly subject: string;
  readonly related: readonly string[];
  readonly actions: readonly (readonly [string, string, string, string])[];
  readonly symptoms: readonly (readonly [string, string, string])[];
}

function sentence(random: Random, focus: Focus): string {
  const subject = random() < 0.6 ? focus.subject : pick(random, focus.related);
  const action = pick(random, focus.actions);
  const symptom = pick(random, focus.symptoms);
  const other = random() < 0.9 ? pick(random, focus.related) : zipf(random, SUBJECTS);
  const words: string[] = [pick(random, CONNECTORS)];
  switch (Math.floor(random() * 5)) {
    case 0:
      words.push(`${pick(random, PEOPLE)} ${action[1]} the ${subject} but the ${other} ${symptom[0]}`);
      break;
    case 1:
      words.push(`${action[2]} the ${subject} ${pick(random, FILLER)} ${pick(random, FILLER)} ${pick(random, PLATFORMS)} may show ${rareToken(random)}`);
      break;
    case 2:
      words.push(`the ${symptom[2]} of the ${other} is caused by the ${subject} ${action[3]}`);
      break;
    case 3:
      words.push(`${action[0]} the ${subject} ${pick(random, FILLER)} ${pick(random, FILLER)} ${pick(random, FILLER)} ${other} ${pick(random, FILLER)}`);
      break;
    default:
      words.push(`check that the ${other} ${action[1]} ${pick(random, FILLER)} ${pick(random, FILLER)} ${pick(random, EVENTS)}`);
  }
  for (let i = Math.floor(random() * 6); i > 0; i--) words.push(pick(random, FILLER));
  return `${words.join(' ')}.`;
}

/** `count` articles, the same for the same seed. Bodies are about 150 words, in paragraphs. */
export function generateArticles(count: number, seed = 16): GeneratedArticle[] {
  const random = seededRandom(seed);
  const articles: GeneratedArticle[] = [];
  for (let n = 0; n < count; n++) {
    const subject = zipf(random, SUBJECTS);
    const focus: Focus = {
      subject,
      related: Array.from({ length: 2 }, () => zipf(random, SUBJECTS)),
      actions: Array.from({ length: 3 }, () => pick(random, ACTIONS)),
      symptoms: Array.from({ length: 2 }, () => pick(random, SYMPTOMS)),
    };
    const action = focus.actions[0] as (typeof ACTIONS)[number];
    const symptom = focus.symptoms[0] as (typeof SYMPTOMS)[number];
    const sentences: string[] = [];
    let words = 0;
    while (words < 140 + Math.floor(random() * 30)) {
      const s = sentence(random, focus);
      sentences.push(s);
      words += s.split(' ').length;
    }
    const paragraphs = [sentences.slice(0, 3), sentences.slice(3, 7), sentences.slice(7)].map((p) => p.join(' ')).filter((p) => p !== '');
    articles.push({
      n,
      title: title(random, subject, action, symptom),
      body: paragraphs.join('\n\n'),
      keywords: [subject, action[0], symptom[2]].filter((k, i, all) => all.indexOf(k) === i),
      category: pick(random, CATEGORIES),
      service: pick(random, SERVICES),
      audience: random() < 0.7 ? 'public' : 'internal',
    });
  }
  return articles;
}

/** The word each misspelling of QUERIES.misspelled stands for, in the same order. */
export const CORRECT_SPELLINGS: readonly string[] = [
  'password',
  'printer',
  'certificate',
  'outlook',
  'bitlocker',
  'mailbox',
  'sharepoint',
  'authentication',
  'firewall',
  'projector',
];

export type QueryKind = 'one word' | 'two words' | 'misspelled' | 'other form' | 'prefix' | 'long text';

/** The queries the benches send, by kind. Misspellings are one edit from a word of the vocabulary. */
export const QUERIES: Readonly<Record<QueryKind, readonly string[]>> = {
  'one word': ['printer', 'vpn', 'outlook', 'certificate', 'bitlocker', 'mailbox', 'webcam', 'projector', 'payroll', 'firewall'],
  'two words': [
    'vpn disconnects',
    'password reset',
    'printer driver',
    'outlook calendar',
    'laptop battery',
    'teams headset',
    'wifi signal',
    'certificate renewal',
  ],
  misspelled: ['pasword', 'printr', 'certficate', 'outlok', 'bitlockr', 'mialbox', 'sharepont', 'authenticaton', 'firewal', 'projecter'],
  'other form': ['installing', 'configured', 'synchronization', 'printing', 'disconnected', 'encrypted', 'renewal', 'migrating', 'crashed', 'activation'],
  prefix: ['certif', 'authen', 'synchro', 'mailb', 'shar', 'encryp', 'projec', 'bitlo', 'conf', 'regist'],
  'long text': [
    'My laptop cannot connect to the VPN since the latest update, the connection drops after a few seconds and Outlook shows my mailbox as disconnected',
    'The printer on the third floor is printing blank pages and the driver update failed with an error, I need to print the payroll report today',
    'I reset my password this morning and now Teams and OneDrive keep asking me to sign in again, the authenticator app does not show a code',
    'After the migration my shared folder and the network drive mapping are missing and the intranet is very slow in Chrome',
  ],
};

// t/imapflow/client.mjs: what a Node.js mail client built on imapflow does
// with asimap, checked step by step (t/imapflow.bats runs it).
//
// usage: node client.mjs PORT CERT EXPECT_JSON FOLDERS STATE_DIR
//
// Connects over implicit TLS to 127.0.0.1:PORT as u1/pw1, verifying the
// server's certificate against CERT for the name "localhost"; LISTs the
// folders (they must be FOLDERS, a comma-separated list); opens INBOX and
// fetches UID, flags, internal date, size, envelope and body structure
// of every message, which must be what EXPECT_JSON (t/lib/imapflow_folder.py)
// says; adds and removes flags and reads them back; APPENDs a message;
// then IDLEs: once the server has accepted IDLE it writes STATE_DIR/idling,
// and another process delivers a message, whose EXISTS must arrive within
// IDLE_WAIT_MS; it fetches that message's subject and logs out.
//
// Prints one line per fact ("list: ...", "fetch N ok", "flags N: ...",
// "append: uid N", "idle: exists N after T ms", "idle: subject ...",
// "logout: ok") and exits 0; on the first wrong answer it prints
// "imapflow: FAIL: ..." on stderr and exits 1 (2 on an overall timeout).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

const IDLE_WAIT_MS = 5000;
const TOTAL_MS = 60000;

const [port, certPath, expectPath, folders, stateDir] = process.argv.slice(2);
const expect = JSON.parse(readFileSync(expectPath, 'utf8'));

function fail(msg) {
    process.stderr.write(`imapflow: FAIL: ${msg}\n`);
    process.exit(1);
}

function same(what, got, want) {
    const g = JSON.stringify(got);
    const w = JSON.stringify(want);
    if (g !== w) {
        fail(`${what}: got ${g}, want ${w}`);
    }
}

setTimeout(() => {
    process.stderr.write('imapflow: FAIL: timed out\n');
    process.exit(2);
}, TOTAL_MS).unref();

// imapflow's own debug log tells when the server accepted IDLE ("+").
let idleStarted = () => {};
const idleAccepted = new Promise((resolve) => {
    idleStarted = resolve;
});
const logger = {
    trace() {},
    info() {},
    warn() {},
    debug(o) {
        if (o && o.msg === 'Initiated IDLE, waiting for server input') {
            idleStarted();
        }
    },
    error(o) {
        process.stderr.write(`imapflow: error: ${JSON.stringify(o)}\n`);
    }
};

const client = new ImapFlow({
    host: '127.0.0.1',
    servername: 'localhost',
    port: Number(port),
    secure: true,
    tls: { ca: [readFileSync(certPath)], rejectUnauthorized: true },
    auth: { user: 'u1', pass: 'pw1' },
    logger,
    disableAutoIdle: true
});
client.on('error', (err) => fail(`connection error: ${err.message}`));

function structure(node) {
    const kids = node.childNodes || [];
    return kids.length ? `${node.type}(${kids.map(structure).join(',')})` : node.type;
}

function addrs(list) {
    return (list || []).map((a) => [a.name || '', a.address || '']);
}

function flagList(set) {
    return [...set].filter((f) => f !== '\\Recent').sort();
}

async function flagsOf(uid) {
    const msg = await client.fetchOne(String(uid), { flags: true }, { uid: true });
    return flagList(msg.flags);
}

async function main() {
    await client.connect();
    if (!client.secureConnection || !client.authenticated) {
        fail('not a secure, authenticated connection');
    }

    const list = (await client.list()).map((f) => f.path).sort();
    same('LIST', list, folders.split(',').sort());
    console.log(`list: ${list.join(' ')}`);

    const lock = await client.getMailboxLock('INBOX');
    try {
        same('EXISTS', client.mailbox.exists, expect.length);
        const got = [];
        for await (const msg of client.fetch('1:*', {
            uid: true,
            flags: true,
            internalDate: true,
            size: true,
            envelope: true,
            bodyStructure: true
        })) {
            got.push(msg);
        }
        same('messages fetched', got.length, expect.length);
        for (const [i, want] of expect.entries()) {
            const m = got[i];
            const env = m.envelope;
            same(`message ${i + 1}`, {
                uid: m.uid,
                flags: flagList(m.flags),
                internalDate: m.internalDate.toISOString(),
                size: m.size,
                subject: env.subject,
                messageId: env.messageId,
                date: env.date.toISOString(),
                from: addrs(env.from),
                to: addrs(env.to),
                cc: addrs(env.cc),
                structure: structure(m.bodyStructure)
            }, want);
            console.log(`fetch ${m.uid} ok: ${want.structure}`);
        }

        // Flags, as a reader sets and clears them.
        await client.messageFlagsAdd('1', ['\\Flagged', '$Important'], { uid: true });
        await client.messageFlagsRemove('1', ['\\Seen'], { uid: true });
        await client.messageFlagsAdd('2', ['\\Seen'], { uid: true });
        await client.messageFlagsRemove('2', ['\\Flagged'], { uid: true });
        same('flags of 1', await flagsOf(1), ['$Important', '\\Flagged']);
        same('flags of 2', await flagsOf(2), ['\\Seen']);
        console.log(`flags 1: ${(await flagsOf(1)).join(' ')}`);
        console.log(`flags 2: ${(await flagsOf(2)).join(' ')}`);

        // APPEND, as a client saves a sent message.
        const raw = 'From: u1 <u1@example.org>\r\nTo: bob@example.net\r\n' +
            'Subject: imapflow append\r\nMessage-ID: <imapflow-append@example.org>\r\n\r\n' +
            'Saved by imapflow.\r\n';
        const app = await client.append('INBOX', raw, ['\\Seen'], new Date('2026-01-06T10:00:00Z'));
        if (!app || !app.uid) {
            fail(`APPEND returned no UID: ${JSON.stringify(app)}`);
        }
        same('UID of the appended message', app.uid, expect.length + 1);
        console.log(`append: uid ${app.uid}`);
        const before = app.uid;
        // The session hears of its own APPEND too.
        await client.noop();
        same('EXISTS after APPEND', client.mailbox.exists, before);

        // IDLE while another process delivers a message.
        const arrived = new Promise((resolve) => {
            client.on('exists', (data) => {
                if (data.count > before) {
                    resolve(data.count);
                }
            });
        });
        const idling = client.idle();
        await idleAccepted;
        const t0 = Date.now();
        writeFileSync(join(stateDir, 'idling'), 'idling\n');
        const count = await Promise.race([
            arrived,
            new Promise((resolve) => setTimeout(() => resolve(null), IDLE_WAIT_MS))
        ]);
        if (count === null) {
            fail(`no EXISTS within ${IDLE_WAIT_MS} ms of IDLE`);
        }
        console.log(`idle: exists ${count} after ${Date.now() - t0} ms`);
        // Any command ends IDLE.
        const last = await client.fetchOne(String(count), { envelope: true, uid: true });
        await idling;
        console.log(`idle: subject ${last.envelope.subject}`);
    } finally {
        lock.release();
    }
    await client.logout();
    console.log('logout: ok');
}

main().then(
    () => process.exit(0),
    (err) => fail(err && err.stack ? err.stack : String(err))
);

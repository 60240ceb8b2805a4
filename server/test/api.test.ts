/**
 * The GraphQL API end to end against a real server (Apollo over HTTP, graphql-ws over WebSocket) with the real
 * engine, gallery and a file camera on a shared video: enrollment, recognition events with the right names, track
 * subscriptions that complete, alerts, the shared wall, media URLs, and the security matrix (roles, camera scopes,
 * unauthenticated, malformed and revoked tokens, oversized and non-image inputs, query-depth bombs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SECRET, codes, collect, dataUrl, gql, startHarness, wsClient, type Harness } from './api-harness.js';
import { sharedAvailable, sharedData } from './shared-fixtures.js';

const run = sharedAvailable('GraphQL API') ? describe : describe.skip;
const HAMILTON = sharedData('video/hamilton_whitehouse_clip.mp4');
const VTEST = sharedData('video/vtest.avi');
const PEOPLE = sharedData('faces/face_recognition_examples');
const photos = (person: string) => fs.readdirSync(path.join(PEOPLE, person)).map((f) => dataUrl(path.join(PEOPLE, person, f)));

type Ev = { recognitionEvents: { kind: string; trackId: string; cameraId: string; frame: number; identity: { name: string } | null; snapshot: { faceUrl: string } | null } };

run('GraphQL API', () => {
  let h: Harness;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness();
    tokens.admin = ADMIN_SECRET;
    const make = async (name: string, role: string, cameraScope?: string[]) => {
      const r = await gql<{ createApiToken: { secret: string; token: { id: string } } }>(h.url, ADMIN_SECRET, 'mutation($n:String!,$r:Role!,$s:[ID!]){createApiToken(name:$n,role:$r,cameraScope:$s){secret token{id}}}', { n: name, r: role, s: cameraScope });
      expect(r.errors).toBeUndefined();
      tokens[name] = r.data!.createApiToken.secret;
      ids[name] = r.data!.createApiToken.token.id;
    };
    await make('operator', 'OPERATOR');
    await make('operator2', 'OPERATOR');
    await make('viewerStage', 'VIEWER', ['stage']);
    await make('viewerOther', 'VIEWER', ['other']);
    await make('doomed', 'OPERATOR');
    for (const [person, tags] of [['barack_obama', ['watchlist']], ['lin_manuel_miranda', []]] as const) {
      const r = await gql<{ enrollIdentity: { identity: { id: string; name: string }; results: { status: string }[] } }>(
        h.url,
        ADMIN_SECRET,
        'mutation($n:String!,$i:[String!]!,$t:[String!]){enrollIdentity(name:$n,images:$i,tags:$t){identity{id name} results{status reason}}}',
        { n: person, i: photos(person), t: tags },
      );
      expect(r.errors).toBeUndefined();
      expect(r.data!.enrollIdentity.results.some((x) => x.status === 'accepted')).toBe(true);
      ids[person] = r.data!.enrollIdentity.identity.id;
    }
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('streams identified events with the right names to subscribers in scope; a track subscription completes when the track ends', async () => {
    const operator = wsClient(h.url, tokens.operator);
    const viewerStage = wsClient(h.url, tokens.viewerStage);
    const viewerOther = wsClient(h.url, tokens.viewerOther);
    const admin = wsClient(h.url, ADMIN_SECRET);
    const EVENTS = 'subscription($k:[TrackEventKind!]){recognitionEvents(kinds:$k){kind trackId cameraId frame identity{name} snapshot{faceUrl}}}';
    const names = (evs: Ev[]) => new Set(evs.map((e) => e.recognitionEvents.identity?.name));
    const identified = collect<Ev>(operator, EVENTS, { k: ['IDENTIFIED'] }, (evs) => names(evs).has('barack_obama') && names(evs).has('lin_manuel_miranda'));
    const inScope = collect<Ev>(viewerStage, EVENTS, {}, (evs) => evs.some((e) => e.recognitionEvents.kind === 'ENDED'));
    const outOfScope = collect<Ev>(viewerOther, EVENTS, {}, () => false, 14_000);
    const alerts = collect<{ alerts: { kind: string; label: string; cameraId: string; snapshot: { faceUrl: string } | null } }>(admin, 'subscription{alerts{kind label cameraId snapshot{faceUrl}}}', {}, (a) => a.length > 0);
    // the first started track: follow it to its end
    const firstStart = collect<Ev>(admin, EVENTS, { k: ['STARTED'] }, (evs) => evs.length > 0);
    await new Promise((r) => setTimeout(r, 300)); // subscriptions registered before the camera starts
    const add = await gql(h.url, ADMIN_SECRET, 'mutation($i:CameraInput!){addCamera(input:$i){id kind health{state}}}', {
      i: { id: 'stage', name: 'Stage', url: HAMILTON, realtime: true, detectFps: 12 },
    });
    expect(add.errors).toBeUndefined();
    const started = await firstStart.done;
    const trackId = started.events[0].recognitionEvents.trackId;
    const followed = await collect<{ track: { kind: string; trackId: string } }>(admin, 'subscription($t:ID!){track(trackId:$t){kind trackId}}', { t: trackId }, () => false).done;
    expect(followed.completed, 'track subscription completes').toBe(true);
    expect(followed.events.at(-1)!.track.kind).toBe('ENDED');
    expect(new Set(followed.events.map((e) => e.track.trackId))).toEqual(new Set([trackId]));

    const got = await identified.done;
    expect(got.error).toBeUndefined();
    expect(names(got.events)).toEqual(new Set(['barack_obama', 'lin_manuel_miranda']));
    expect(got.events.every((e) => e.recognitionEvents.kind === 'IDENTIFIED' && e.recognitionEvents.cameraId === 'stage')).toBe(true);
    const inScopeEvents = (await inScope.done).events;
    expect(inScopeEvents.length).toBeGreaterThan(0);
    // Events are executed once for every viewer; their media URLs are signed per receiving token, and load.
    const faceUrls = [got.events, inScopeEvents].map((evs) => evs.map((e) => e.recognitionEvents.snapshot?.faceUrl).find(Boolean)!);
    const signers = new Set<string | null>();
    for (const url of faceUrls) {
      expect(url).toMatch(/^\/media\/snapshots\/[^?]+\.jpg\?tok=[^&]+&exp=\d+&sig=[\w-]+$/);
      signers.add(new URL(url, h.url).searchParams.get('tok'));
      const res = await fetch(`${h.url}${url}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
    }
    expect(signers.size, 'operator and viewer get URLs signed for their own tokens').toBe(2);
    expect((await outOfScope.done).events).toEqual([]);
    const alert = await alerts.done;
    expect(alert.events[0].alerts).toMatchObject({ kind: 'watchlist', label: 'barack_obama', cameraId: 'stage' });
    expect(alert.events[0].alerts.snapshot?.faceUrl, 'the alert shows the face').toMatch(/^\/media\/snapshots\//);
    for (const c of [operator, viewerStage, viewerOther, admin]) await c.dispose();
  }, 120_000);

  it('enforces roles and camera scopes on every kind of operation', async () => {
    const Q = {
      cameras: '{cameras{id}}',
      stage: '{camera(id:"stage"){id}}',
      identities: '{identities{nodes{id}}}',
      sightings: '{sightings{nodes{cameraId}}}',
      audit: '{auditLog{nodes{action}}}',
      tokens: '{apiTokens{id}}',
      wall: '{wall{version}}',
      addCamera: `mutation{addCamera(input:{id:"x",name:"x",url:${JSON.stringify(HAMILTON)},enabled:false}){id}}`,
      rename: `mutation{renameIdentity(id:"${ids.lin_manuel_miranda}",name:"lin_manuel_miranda"){id}}`,
      deleteMissing: 'mutation{deleteIdentity(id:"no-such-identity"){id}}',
      pin: 'mutation{pinWallTile(tile:0,pinned:false){version}}',
    };
    const expectations: Record<string, Record<string, string | null>> = {
      //            cameras  stage        identities   sightings audit        tokens       wall         addCamera    rename       deleteMissing pin
      admin: { cameras: null, stage: null, identities: null, sightings: null, audit: null, tokens: null, wall: null, addCamera: null, rename: null, deleteMissing: 'NOT_FOUND', pin: null },
      operator: { cameras: null, stage: null, identities: null, sightings: null, audit: 'FORBIDDEN', tokens: 'FORBIDDEN', wall: null, addCamera: 'FORBIDDEN', rename: 'FORBIDDEN', deleteMissing: 'FORBIDDEN', pin: null },
      viewerStage: { cameras: null, stage: null, identities: 'FORBIDDEN', sightings: null, audit: 'FORBIDDEN', tokens: 'FORBIDDEN', wall: 'FORBIDDEN', addCamera: 'FORBIDDEN', rename: 'FORBIDDEN', deleteMissing: 'FORBIDDEN', pin: 'FORBIDDEN' },
      viewerOther: { cameras: null, stage: 'FORBIDDEN', identities: 'FORBIDDEN', sightings: null, audit: 'FORBIDDEN', tokens: 'FORBIDDEN', wall: 'FORBIDDEN', addCamera: 'FORBIDDEN', rename: 'FORBIDDEN', deleteMissing: 'FORBIDDEN', pin: 'FORBIDDEN' },
      none: { cameras: 'UNAUTHENTICATED', stage: 'UNAUTHENTICATED', identities: 'UNAUTHENTICATED', sightings: 'UNAUTHENTICATED', audit: 'UNAUTHENTICATED', tokens: 'UNAUTHENTICATED', wall: 'UNAUTHENTICATED', addCamera: 'UNAUTHENTICATED', rename: 'UNAUTHENTICATED', deleteMissing: 'UNAUTHENTICATED', pin: 'UNAUTHENTICATED' },
    };
    const seen: Record<string, Record<string, string | null>> = {};
    for (const [who, row] of Object.entries(expectations)) {
      seen[who] = {};
      for (const op of Object.keys(row)) {
        const r = await gql(h.url, who === 'none' ? null : tokens[who], Q[op as keyof typeof Q]);
        seen[who][op] = codes(r)[0] ?? null;
      }
    }
    expect(seen).toEqual(expectations);
    // scopes filter lists: a viewer of "other" sees neither the stage camera nor its sightings
    expect((await gql<{ cameras: { id: string }[] }>(h.url, tokens.viewerOther, Q.cameras)).data!.cameras).toEqual([]);
    expect((await gql<{ sightings: { nodes: unknown[] } }>(h.url, tokens.viewerOther, Q.sightings)).data!.sightings.nodes).toEqual([]);
    expect((await gql<{ sightings: { nodes: { cameraId: string }[] } }>(h.url, tokens.viewerStage, Q.sightings)).data!.sightings.nodes.length).toBeGreaterThan(0);
    // subscriptions: the wall is not for viewers; a socket without a token is refused at connect (4403)
    const viewer = wsClient(h.url, tokens.viewerStage);
    const wallSub = await collect(viewer, 'subscription{wall{version}}', {}, () => true, 10_000).done;
    expect(JSON.stringify(wallSub.error)).toContain('FORBIDDEN');
    await viewer.dispose();
    let closeCode = 0;
    const anonymous = wsClient(h.url, null, (code) => (closeCode = code));
    const anon = await collect(anonymous, 'subscription{recognitionEvents{kind}}', {}, () => true, 10_000).done;
    expect(anon.events).toEqual([]);
    expect(closeCode).toBe(4403);
    await anonymous.dispose();
  }, 60_000);

  it('refuses malformed and revoked tokens (HTTP 401, open sockets closed with 4403)', async () => {
    const malformed = await gql(h.url, null, '{me{name}}', {}, { authorization: 'Basic abc' });
    expect([malformed.status, codes(malformed)]).toEqual([401, ['UNAUTHENTICATED']]);
    const unknown = await gql(h.url, 'bf_not-a-real-token-at-all', '{me{name}}');
    expect([unknown.status, codes(unknown)]).toEqual([401, ['UNAUTHENTICATED']]);
    expect((await gql<{ me: { name: string; role: string } }>(h.url, tokens.doomed, '{me{name role}}')).data!.me).toEqual({ name: 'doomed', role: 'OPERATOR' });
    let closeCode = 0;
    const ws = wsClient(h.url, tokens.doomed, (code) => (closeCode = code));
    const sub = collect(ws, 'subscription{wall{version operators{name}}}', {}, () => false, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    const revoke = await gql(h.url, ADMIN_SECRET, 'mutation($id:ID!){revokeApiToken(id:$id)}', { id: ids.doomed });
    expect(revoke.data).toEqual({ revokeApiToken: true });
    await sub.done;
    expect(closeCode).toBe(4403);
    const after = await gql(h.url, tokens.doomed, '{me{name}}');
    expect([after.status, codes(after)]).toEqual([401, ['UNAUTHENTICATED']]);
    await ws.dispose();
  }, 40_000);

  it('refuses bad input with clear codes: oversized and non-image images, depth bombs', async () => {
    const big = `data:image/jpeg;base64,${'A'.repeat(12 * 1024 * 1024)}`;
    const oversized = await gql(h.url, ADMIN_SECRET, 'query($i:String!){searchFaces(image:$i){threshold}}', { i: big });
    expect(codes(oversized)).toEqual(['BAD_USER_INPUT']);
    const notBase64 = await gql(h.url, ADMIN_SECRET, 'query($i:String!){searchFaces(image:$i){threshold}}', { i: 'this is not base64!' });
    expect(codes(notBase64)).toEqual(['BAD_USER_INPUT']);
    const notImage = await gql(h.url, ADMIN_SECRET, 'query($i:String!){searchFaces(image:$i){threshold}}', { i: Buffer.from('plain text, not a picture').toString('base64') });
    expect(codes(notImage)).toEqual(['BAD_USER_INPUT']);
    const enrollNotImage = await gql<{ enrollIdentity: { results: { status: string; reason: string }[] } }>(
      h.url,
      ADMIN_SECRET,
      'mutation($i:[String!]!){enrollIdentity(name:"nobody",images:$i){identity{id} results{status reason}}}',
      { i: [Buffer.from('not an image').toString('base64')] },
    );
    expect(enrollNotImage.data!.enrollIdentity).toEqual({ identity: null, results: [{ status: 'rejected', reason: 'BAD_IMAGE' }] });
    // our schema has no cycles, so depth bombs go through introspection's ofType chains or fragment cycles
    const deep = `{__type(name:"Query"){fields{type${'{ofType'.repeat(20)}{name}${'}'.repeat(20)}}}}`;
    expect(codes(await gql(h.url, ADMIN_SECRET, deep))).toContain('QUERY_TOO_COMPLEX');
    const cycle = 'query{...A} fragment A on Query{me{name} ...B} fragment B on Query{...A}';
    expect(codes(await gql(h.url, ADMIN_SECRET, cycle))).toContain('GRAPHQL_VALIDATION_FAILED');
    const aliasBomb = `{${Array.from({ length: 300 }, (_, i) => `a${i}:me{name}`).join(' ')}}`;
    expect(codes(await gql(h.url, ADMIN_SECRET, aliasBomb))).toContain('QUERY_TOO_COMPLEX');
    const listBomb = '{identities(first:200){nodes{id}} sightings(first:500){nodes{snapshot{faceUrl contextUrl} identity{id name}}} s2:sightings(first:500){nodes{id label frames}} s3:sightings(first:500){nodes{id label frames quality}}}';
    expect(codes(await gql(h.url, ADMIN_SECRET, listBomb))).toContain('QUERY_TOO_COMPLEX');
  }, 60_000);

  it('searches a face in the gallery and in past sightings, with signed snapshot URLs that honour scope and revocation', async () => {
    const r = await gql<{ searchFaces: { faces: { match: { identity: { name: string } } | null; sightings: { sighting: { cameraId: string; snapshot: { faceUrl: string } } }[] }[] } }>(
      h.url,
      tokens.operator,
      'query($i:String!){searchFaces(image:$i){faces{match{identity{name} score} sightings{score sighting{cameraId label snapshot{faceUrl contextUrl}}}}}}',
      { i: dataUrl(path.join(PEOPLE, '_scenes/obama_and_biden.jpg')) },
    );
    expect(r.errors).toBeUndefined();
    const face = r.data!.searchFaces.faces.find((f) => f.match?.identity.name === 'barack_obama')!;
    expect(face, 'Obama found in the gallery').toBeDefined();
    expect(face.sightings.length).toBeGreaterThan(0);
    const url = `${h.url}${face.sightings[0].sighting.snapshot.faceUrl}`;
    const ok = await fetch(url);
    expect([ok.status, ok.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    expect((await ok.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const unsigned = new URL(url);
    unsigned.search = '';
    expect((await fetch(unsigned)).status).toBe(401);
    expect((await fetch(unsigned, { headers: { authorization: `Bearer ${tokens.viewerOther}` } })).status).toBe(403);
    expect((await fetch(unsigned, { headers: { authorization: `Bearer ${tokens.viewerStage}` } })).status).toBe(200);
    const tampered = new URL(url);
    tampered.searchParams.set('tok', ids.viewerOther);
    expect((await fetch(tampered)).status).toBe(401);
  }, 60_000);

  it('serves live frames and an MJPEG stream whose parts carry the frame numbers of the track events', async () => {
    const add = await gql(h.url, ADMIN_SECRET, 'mutation($i:CameraInput!){addCamera(input:$i){id}}', { i: { id: 'hall', name: 'Hall', url: VTEST, realtime: true, loop: true, detectFps: 2 } });
    expect(add.errors).toBeUndefined();
    const cam = await gql<{ camera: { frameUrl: string; streamUrl: string } }>(h.url, tokens.operator, '{camera(id:"hall"){frameUrl streamUrl}}');
    let frame: Response | undefined;
    for (let i = 0; i < 50 && frame?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      frame = await fetch(`${h.url}${cam.data!.camera.frameUrl}`);
    }
    expect(frame!.status).toBe(200);
    expect(Number(frame!.headers.get('x-frame-seq'))).toBeGreaterThanOrEqual(0);
    expect(frame!.headers.get('x-frame-width')).toBe('768');
    const stream = await fetch(`${h.url}${cam.data!.camera.streamUrl}`);
    expect(stream.headers.get('content-type')).toMatch(/^multipart\/x-mixed-replace; boundary=/);
    const reader = stream.body!.getReader();
    let text = '';
    while (!/X-Frame-Seq: \d+[\s\S]*X-Frame-Seq: \d+/.test(text)) text += Buffer.from((await reader.read()).value!).toString('latin1');
    await reader.cancel();
    const seqs = [...text.matchAll(/X-Frame-Seq: (\d+)/g)].map((m) => Number(m[1]));
    expect(seqs[1]).toBeGreaterThan(seqs[0]);
    expect((await fetch(`${h.url}/media/cameras/hall/stream`, { headers: { authorization: `Bearer ${tokens.viewerStage}` } })).status).toBe(403);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    for (const m of ['boostface_camera_source_state{camera="hall",state="live"} 1', 'boostface_detect_duration_seconds_count{camera="hall"}', 'boostface_queue_depth{queue="inference"}', 'boostface_subscriptions_active', 'boostface_frame_to_event_seconds_bucket']) {
      expect(metrics, m).toContain(m);
    }
    await gql(h.url, ADMIN_SECRET, 'mutation{removeCamera(id:"hall")}');
  }, 60_000);

  it('shares the wall between operators: changes and presence reach the others', async () => {
    const a = wsClient(h.url, tokens.operator);
    const watching = collect<{ wall: { version: number; pinned: number[]; operators: { name: string }[]; updatedBy: string | null } }>(
      a,
      'subscription{wall{version pinned updatedBy operators{name}}}',
      {},
      (evs) => evs.some((e) => e.wall.pinned.includes(2)),
      20_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    const b = await gql<{ pinWallTile: { version: number } }>(h.url, tokens.operator2, 'mutation{pinWallTile(tile:2,pinned:true){version}}');
    expect(b.errors).toBeUndefined();
    const stale = await gql(h.url, tokens.operator2, 'mutation($v:Int){focusWallTile(tile:1,expectedVersion:$v){version}}', { v: b.data!.pinWallTile.version - 1 });
    expect(codes(stale)).toEqual(['CONFLICT']);
    const got = await watching.done;
    expect(got.events[0].wall.operators.map((o) => o.name)).toContain('operator');
    expect(got.events.at(-1)!.wall).toMatchObject({ pinned: [2], updatedBy: 'operator2' });
    await a.dispose();
  }, 40_000);

  it('keeps an audit trail of searches, enrollments, token and camera changes', async () => {
    const r = await gql<{ auditLog: { nodes: { action: string; actorName: string; outcome: string }[] } }>(h.url, ADMIN_SECRET, '{auditLog(first:200){nodes{action actorName outcome}}}');
    const seen = new Set(r.data!.auditLog.nodes.map((n) => `${n.action}:${n.actorName}`));
    for (const e of ['identity.enroll:bootstrap (BOOSTFACE_ADMIN_TOKEN)', 'token.create:bootstrap (BOOSTFACE_ADMIN_TOKEN)', 'token.revoke:bootstrap (BOOSTFACE_ADMIN_TOKEN)', 'camera.add:bootstrap (BOOSTFACE_ADMIN_TOKEN)', 'search.faces:operator', 'wall.pin:operator2']) {
      expect(seen, e).toContain(e);
    }
  });
});

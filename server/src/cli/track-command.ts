import path from 'node:path';
import { parseArgs } from 'node:util';
import { InProcessBus } from '../bus/in-process-bus.js';
import { VideoReadError, videoFrames } from '../cameras/video-frames.js';
import type { LiveRecognition } from '../recognition/live-recognition.js';
import { createRecognition } from '../main.js';
import type { BusTopics, TrackEvent } from '../recognition/track-event.js';
import { galleryParseOptions, GALLERY_OPTIONS_HELP, openGallerySession } from './gallery-session.js';
import { positiveInt, UsageError } from './usage.js';

export const TRACK_USAGE = `Usage: boostface track [--camera ID] [--width W] [--height H] [--no-sightings] VIDEO
  Track and recognize the faces of a recorded video, every frame in order. One JSON line per track event on stdout:
  {"kind": "started"|"updated"|"identified"|"ended", "camera", "track", "frame", "ts", "box": [x1,y1,x2,y2],
   "identity": {"id","name"} | null, "score", "label"}; "ts" is the frame's time in the video (ms), "frame" its number.
  Progress on stderr. Sightings and best-face snapshots go to the data directory unless --no-sightings.
  --camera ID     camera id in events and sightings (default: the file name)
  --width/--height  decode size (default: the video's, at most 1920 wide)
${GALLERY_OPTIONS_HELP}
Exit status: 0 done, 1 the video could not be read, 2 usage error.`;

const round = (v: number) => Math.round(v * 10) / 10;

export async function trackCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...galleryParseOptions,
      camera: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      'no-sightings': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(TRACK_USAGE + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('track takes exactly one VIDEO');
  const video = path.resolve(positionals[0]);
  const cameraId = values.camera ?? path.basename(video);
  const width = positiveInt('--width', values.width);
  const height = positiveInt('--height', values.height);
  const session = await openGallerySession(values);
  const bus = new InProcessBus<BusTopics>();
  let startTs: number | undefined;
  let events = 0;
  bus.subscribe('trackEvents', (e: TrackEvent) => {
    events++;
    process.stdout.write(
      JSON.stringify({
        kind: e.kind,
        camera: e.cameraId,
        track: e.trackId,
        frame: e.frame,
        ts: Math.round(e.ts - (startTs ?? e.ts)),
        box: e.box.map(round),
        identity: e.identity && { id: e.identity.id, name: e.identity.name },
        score: e.score === null ? null : Math.round(e.score * 1e4) / 1e4,
        label: e.label,
      }) + '\n',
    );
  });
  const recognition = createRecognition(session, bus, { sightings: !values['no-sightings'] });
  const t0 = performance.now();
  let last = t0;
  let fps = 0;
  try {
    let pipeline: ReturnType<LiveRecognition['camera']> | undefined;
    for await (const frame of videoFrames(video, { cameraId, width, height, onHealth: (h) => (fps = h.fps ?? fps) })) {
      startTs ??= frame.ts - (frame.ptsMs ?? 0);
      pipeline ??= recognition.camera(cameraId, { frameIntervalMs: fps ? 1000 / fps : 40 });
      await pipeline.handle(frame);
      const now = performance.now();
      if (now - last >= 2000) {
        last = now;
        const st = pipeline.stats;
        process.stderr.write(`track: frame ${frame.seq + 1} (${round((st.frames * 1000) / (now - t0))} frames/s), ${pipeline.recognizer.tracks().length} live tracks, ${events} events\n`);
      }
    }
    await recognition.stopAll();
    const secs = (performance.now() - t0) / 1000;
    process.stderr.write(`track: done in ${round(secs)} s, ${events} events, ${recognition.embedStats.crops} faces embedded\n`);
    return 0;
  } catch (err) {
    if (err instanceof VideoReadError) {
      process.stderr.write(`boostface track: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await recognition.stopAll();
    await session.close();
  }
}

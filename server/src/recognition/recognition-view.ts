/**
 * What the API reads of live recognition: LiveRecognition itself (roles all and worker), or the tracks an API
 * replica rebuilds from the bus (role api, api/bus-tracks.ts).
 */
import type { LiveRecognition } from './live-recognition.js';

export type RecognitionView = Pick<LiveRecognition, 'tracks' | 'processedFrames' | 'enrollFromTrack' | 'rejectTrackMatch' | 'timingObservers'>;

import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { feedHub } from './lib/video/feed-hub.js';
import { videoStats } from './lib/video/live-feed.js';

// Read by the end-to-end performance test: frames received/shown/dropped, queued frames (the display delay buffer),
// open streams, and per-camera feed state.
Object.assign(window, { __boostface: { videoStats, backlog: () => feedHub.backlog(), streaming: () => feedHub.streaming(), feeds: () => feedHub.describe() } });

export default mount(App, { target: document.getElementById('app')! });

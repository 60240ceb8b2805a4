#!/usr/bin/python3
"""Loopback RTSP test server: serves an H.264 RTP feed arriving on a UDP port as an RTSP mount.

GStreamer's gst-rtsp-server does the RTSP side (TCP-interleaved and UDP transports, several clients on one shared
pipeline). The video comes from a separate feeder (feed.sh: ffmpeg looping a file), so the server can be killed and
started again while the feed runs on, like a camera rebooting.

Prints one line `ready rtsp://HOST:PORT/MOUNT` on stdout once it listens. SIGTERM/SIGINT end it at once.
`--check` only tells (exit 0 or 1) whether the GStreamer pieces it needs are installed.
"""
import argparse
import signal
import sys

REQUIRED_ELEMENTS = ['udpsrc', 'rtpjitterbuffer', 'rtph264depay', 'h264parse', 'rtph264pay']
PACKAGES = 'python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad'


def load_gstreamer():
    try:
        import gi

        gi.require_version('Gst', '1.0')
        gi.require_version('GstRtspServer', '1.0')
        from gi.repository import GLib, Gst, GstRtspServer
    except (ImportError, ValueError) as err:
        sys.exit(f'rtsp_server: GStreamer RTSP server not available ({err}); Debian packages: {PACKAGES}')
    Gst.init(None)
    missing = [e for e in REQUIRED_ELEMENTS if Gst.ElementFactory.find(e) is None]
    if missing:
        sys.exit(f'rtsp_server: missing GStreamer elements {", ".join(missing)}; Debian packages: {PACKAGES}')
    return GLib, Gst, GstRtspServer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8554, help='RTSP TCP port (0: any free port)')
    parser.add_argument('--mount', default='/stream', help='path of the stream, e.g. /cam1')
    parser.add_argument('--feed-port', type=int, default=5004, help='UDP port the H.264 RTP feed arrives on')
    parser.add_argument('--check', action='store_true', help='only check that GStreamer is usable')
    args = parser.parse_args()

    GLib, Gst, GstRtspServer = load_gstreamer()
    if args.check:
        print(f'ok: {Gst.version_string()}')
        return 0

    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    # Depayload and payload again so the SDP gets sprop-parameter-sets; config-interval=-1 sends SPS/PPS with every
    # keyframe so a client joining mid-stream decodes from the next keyframe on. (An MPEG-TS feed was tried first:
    # tsdemux kept resetting its clock skew on ffmpeg's PCR and dropped most frames; RTP in, RTP out is steady.)
    factory.set_launch(
        f'( udpsrc address={args.host} port={args.feed_port} buffer-size=2097152 '
        'caps="application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string)H264,payload=(int)96" '
        '! rtpjitterbuffer latency=100 ! rtph264depay ! h264parse '
        '! rtph264pay name=pay0 pt=96 config-interval=-1 )'
    )
    # One pipeline for all clients: the feed's UDP port can be bound only once.
    factory.set_shared(True)
    server.get_mount_points().add_factory(args.mount, factory)
    if server.attach(None) == 0:
        print(f'rtsp_server: cannot listen on {args.host}:{args.port}', file=sys.stderr)
        return 1

    # Die at once on SIGTERM/SIGINT: nothing to flush, and Python-level handlers would wait on the GLib loop.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    print(f'ready rtsp://{args.host}:{server.get_bound_port()}{args.mount}', flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == '__main__':
    sys.exit(main())

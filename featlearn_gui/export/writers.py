"""Frame sinks (MP4, GIF, PNG sequence) and single files, all written beside the target and moved into place.

A user's earlier export must never be replaced by half a video: everything is written to a hidden temporary
name in the target's folder (same file system, so the final rename is atomic; engine.atomic) and renamed only
after the last byte is flushed and, for a video, after the encoder exited cleanly and the file's structure was
checked. Cancel, a full disk or an encoder error remove the temporary; a hard crash can leave only a hidden
`.NAME.<pid>.*.part*` file, never a truncated file under the name the user asked for, and the next export of that
name removes it (`atomic.remove_stale_parts`).
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

import numpy as np

from engine import atomic

from .job import ExportError


def atomic_file(target: Path) -> contextlib.AbstractContextManager[Path]:
    """Yield a temporary path to write; on success it replaces `target`, on any error it is removed (see
    engine.atomic, the one implementation of atomic writes)."""
    return atomic.atomic_path(target)


class FrameSink:
    """Receives RGB frames (h, w, 3) uint8 in order; `commit` moves the result into place, `abort` discards it."""

    def __init__(self, target: Path, fps: int) -> None:
        self.target, self.fps = Path(target), fps
        self.count = 0

    def write(self, frame: np.ndarray) -> None:
        self._write(np.ascontiguousarray(frame[..., :3]))
        self.count += 1

    def _write(self, frame: np.ndarray) -> None:
        raise NotImplementedError

    def commit(self) -> Path:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class Mp4Sink(FrameSink):
    """H.264 (yuv420p, plays everywhere) through imageio-ffmpeg's bundled ffmpeg, fed raw RGB on a pipe.

    `commit` publishes the file only when ffmpeg exited with status 0 and the file is a complete MP4 (its boxes
    tile the file, with the header `moov` and the data `mdat`): a disk that fills while ffmpeg writes its trailer
    makes an unplayable file that a zero exit status alone does not always reveal.
    """

    def __init__(self, target: Path, fps: int, quality: float = 8.0) -> None:
        super().__init__(target, fps)
        self.quality = quality
        self._tmp = atomic.temp_path(self.target, ".mp4")
        self._proc: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115  (ffmpeg's error text; closed by commit/abort)

    def _start(self, frame: np.ndarray) -> subprocess.Popen:
        import imageio_ffmpeg

        h, w = frame.shape[:2]
        crf = int((1 - self.quality / 10.0) * 51)  # imageio's mapping of quality 0..10 to x264's crf 51..0
        cmd = [
            imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(self.fps), "-i", "-",
            "-an", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", str(crf), "-movflags", "+faststart",
            "-f", "mp4", str(self._tmp),
        ]
        return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log)

    def _write(self, frame: np.ndarray) -> None:
        if self._proc is None:
            self._proc = self._start(frame)
        try:
            self._proc.stdin.write(frame.tobytes())  # type: ignore[union-attr]
        except BrokenPipeError:
            raise ExportError(f"the video encoder stopped: {self._error_text()}") from None

    def _error_text(self) -> str:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.wait()
        self._log.seek(0)
        text = " ".join(self._log.read().decode("utf-8", "replace").split())
        code = None if self._proc is None else self._proc.returncode
        if code is not None and code < 0:
            return text[-300:] or f"ffmpeg was stopped by {signal.Signals(-code).name}"
        return text[-300:] or f"ffmpeg exited with status {code}"

    def commit(self) -> Path:
        try:
            if self._proc is None:
                raise ExportError("no frames to write")
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.close()  # type: ignore[union-attr]
            if self._proc.wait() != 0:
                raise ExportError(f"the video encoder failed: {self._error_text()}")
            check_mp4(self._tmp)
            atomic.publish(self._tmp, self.target)
        finally:
            self._tmp.unlink(missing_ok=True)
            self._log.close()
        return self.target

    def abort(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            with contextlib.suppress(OSError):
                self._proc.stdin.close()  # type: ignore[union-attr]
            self._proc.wait()
        self._tmp.unlink(missing_ok=True)
        self._log.close()


MP4_NEEDED = (b"ftyp", b"moov", b"mdat")


def check_mp4(path: Path) -> None:
    """Raise ExportError unless `path`'s top-level MP4 boxes exactly tile the file and include ftyp, moov, mdat."""
    size, seen, pos = path.stat().st_size, set(), 0
    with open(path, "rb") as f:
        while pos < size:
            f.seek(pos)
            head = f.read(16)
            if len(head) < 8:
                break
            length, kind = int.from_bytes(head[:4], "big"), head[4:8]
            if length == 1 and len(head) == 16:  # a 64-bit size follows the type
                length = int.from_bytes(head[8:16], "big")
            elif length == 0:  # the box runs to the end of the file
                length = size - pos
            if length < 8:
                break
            seen.add(kind)
            pos += length
    if pos != size or not all(k in seen for k in MP4_NEEDED):
        raise ExportError("the video file came out incomplete (is the disk full?)")


# A GIF keeps every frame until it is written (Pillow needs them all for the file's palette and timing): bound it.
GIF_MAX_BYTES = 1 << 30


class GifSink(FrameSink):
    """An animated GIF that loops forever, via Pillow. Frames are kept (quantized, one byte per pixel) until
    commit; at most GIF_MAX_BYTES of them (`check_gif_size` refuses more before rendering)."""

    def __init__(self, target: Path, fps: int) -> None:
        super().__init__(target, fps)
        self._frames: list = []
        self._bytes = 0

    def _write(self, frame: np.ndarray) -> None:
        from PIL import Image

        self._bytes += frame.shape[0] * frame.shape[1]
        if self._bytes > GIF_MAX_BYTES:
            raise ExportError(f"the GIF's frames exceed {GIF_MAX_BYTES >> 20} MiB; export an .mp4 or fewer frames")
        # Octree quantization per frame: fast, and our few flat colours survive it without dithering noise.
        image = Image.fromarray(frame, "RGB").quantize(colors=255, method=Image.Quantize.FASTOCTREE, dither=0)
        self._frames.append(image)

    def commit(self) -> Path:
        if not self._frames:
            raise ExportError("no frames to write")
        first, rest = self._frames[0], self._frames[1:]
        with atomic_file(self.target) as tmp:
            # GIF durations are milliseconds (stored in 1/100 s); loop=0 means forever.
            first.save(tmp, format="GIF", save_all=True, append_images=rest, duration=round(1000 / self.fps), loop=0)
        self._frames.clear()
        return self.target

    def abort(self) -> None:
        self._frames.clear()


def gif_bytes(frames: int, size: tuple[int, int]) -> int:
    """The memory a GIF of `frames` frames of `size` (w, h) pixels holds before it is written."""
    return frames * size[0] * size[1]


class PngSequenceSink(FrameSink):
    """A folder of numbered PNGs (<stem>_00000.png, ...), built under a temporary name, then renamed."""

    def __init__(self, target: Path, fps: int) -> None:
        super().__init__(target, fps)
        self._tmp = atomic.temp_dir(self.target)
        self.stem = self.target.name.removesuffix("_frames")

    def _write(self, frame: np.ndarray) -> None:
        from PIL import Image

        Image.fromarray(frame, "RGB").save(self._tmp / f"{self.stem}_{self.count:05d}.png", compress_level=1)

    def commit(self) -> Path:
        old = None
        if self.target.exists():
            # A folder cannot be replaced atomically: move the old one aside, then drop it once the new one is in.
            old = atomic.temp_dir(self.target, ".old")
            os.replace(self.target, old / "previous")
        try:
            atomic.publish(self._tmp, self.target)
        except OSError:
            if old is not None:
                os.replace(old / "previous", self.target)
            raise
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            shutil.rmtree(self._tmp, ignore_errors=True)
        return self.target

    def abort(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


SINKS = {"mp4": Mp4Sink, "gif": GifSink, "frames": PngSequenceSink}


def open_sink(kind: str, target: Path, fps: int) -> FrameSink:
    """A sink for kind 'mp4', 'gif' or 'frames' writing (eventually) to `target`; first removes what an export
    of the same target that was killed left behind."""
    atomic.remove_stale_parts(Path(target))
    return SINKS[kind](Path(target), fps)


class ThreadedSink:
    """Encodes in a background thread so rendering (which must stay in the GUI thread) overlaps encoding.

    The queue is bounded, so memory stays flat when the encoder is slower than the renderer; `try_write` lets a
    GUI timer skip a beat instead of blocking the event loop. An encoder error surfaces on the next call.
    """

    _DONE = object()

    def __init__(self, sink: FrameSink, depth: int = 8) -> None:
        self.sink = sink
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="featlearn-export-encoder", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while (frame := self._queue.get()) is not self._DONE:
            if self._error is None:
                try:
                    self.sink.write(frame)
                except BaseException as exc:  # kept for the caller's thread, which reports it
                    self._error = exc

    def _raise_pending(self) -> None:
        if self._error is not None:
            raise self._error

    def write(self, frame: np.ndarray) -> None:
        self._raise_pending()
        self._queue.put(frame)

    def try_write(self, frame: np.ndarray) -> bool:
        """Queue the frame unless the queue is full (then return False and keep it)."""
        self._raise_pending()
        try:
            self._queue.put_nowait(frame)
        except queue.Full:
            return False
        return True

    def _stop(self) -> None:
        self._queue.put(self._DONE)
        self._thread.join()

    def commit(self) -> Path:
        self._stop()
        if self._error is not None:
            self.sink.abort()
            raise self._error
        try:
            return self.sink.commit()
        except BaseException:
            self.sink.abort()
            raise

    def abort(self) -> None:
        self._error = self._error or ExportError("cancelled")
        self._stop()
        self.sink.abort()

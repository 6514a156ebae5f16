"""Frame sinks (MP4, GIF, PNG sequence) and single files, all written beside the target and moved into place.

A user's earlier export must never be replaced by half a video: everything is written to a hidden temporary
name in the target's folder (same file system, so the final rename is atomic) and renamed only after the last
byte is flushed. Cancel, a full disk or an encoder error remove the temporary; a hard crash can leave only a
hidden `.NAME.*.part*` file, never a truncated file under the name the user asked for.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .job import ExportError


def _temp_name(target: Path, suffix: str = "") -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".part{suffix}", dir=target.parent)
    os.close(fd)
    return Path(name)


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once at import: os.umask is process-wide, and briefly 0 while it is read


def _publish(tmp: Path, target: Path) -> None:
    """Give the finished temporary the permissions a plain open() would have (mkstemp makes it private), then
    move it into place."""
    mode = 0o777 if tmp.is_dir() else 0o666
    os.chmod(tmp, mode & ~_UMASK)
    os.replace(tmp, target)


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `target`, on any error it is removed."""
    tmp = _temp_name(target, target.suffix)
    try:
        yield tmp
        _publish(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


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
    """H.264 (yuv420p, plays everywhere) through imageio-ffmpeg's bundled ffmpeg."""

    def __init__(self, target: Path, fps: int, quality: float = 8.0) -> None:
        super().__init__(target, fps)
        import imageio.v2 as iio

        self._tmp = _temp_name(self.target, ".mp4")
        self._writer = iio.get_writer(
            self._tmp,
            format="FFMPEG",
            mode="I",
            fps=fps,
            codec="libx264",
            pixelformat="yuv420p",
            quality=quality,
            macro_block_size=16,
            ffmpeg_log_level="error",
            output_params=["-movflags", "+faststart"],
        )

    def _write(self, frame: np.ndarray) -> None:
        self._writer.append_data(frame)

    def commit(self) -> Path:
        try:
            self._writer.close()
            _publish(self._tmp, self.target)
        finally:
            self._tmp.unlink(missing_ok=True)
        return self.target

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # the encoder may already be dead; the file goes either way
            self._writer.close()
        self._tmp.unlink(missing_ok=True)


class GifSink(FrameSink):
    """An animated GIF that loops forever, via Pillow (frames are kept until commit: GIFs are short)."""

    def __init__(self, target: Path, fps: int) -> None:
        super().__init__(target, fps)
        self._frames: list = []

    def _write(self, frame: np.ndarray) -> None:
        from PIL import Image

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


class PngSequenceSink(FrameSink):
    """A folder of numbered PNGs (<stem>_00000.png, ...), built under a temporary name, then renamed."""

    def __init__(self, target: Path, fps: int) -> None:
        super().__init__(target, fps)
        self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".part", dir=self.target.parent))
        self.stem = self.target.name.removesuffix("_frames")

    def _write(self, frame: np.ndarray) -> None:
        from PIL import Image

        Image.fromarray(frame, "RGB").save(self._tmp / f"{self.stem}_{self.count:05d}.png", compress_level=1)

    def commit(self) -> Path:
        old = None
        if self.target.exists():
            # A folder cannot be replaced atomically: move the old one aside, then drop it once the new one is in.
            old = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".old", dir=self.target.parent))
            os.replace(self.target, old / "previous")
        try:
            _publish(self._tmp, self.target)
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
    """A sink for kind 'mp4', 'gif' or 'frames' writing (eventually) to `target`."""
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

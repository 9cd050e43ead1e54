"""How far a measurement may be from what was asked before the check fails, each with its reason.

docs/clip-qc.md explains every number; the motion figures follow from bench/qc_accuracy.py's error
distribution (the tolerance is several times the worst error measured over random moves, so a right clip
never fails, yet far below the smallest step a recipe can ask: a "slow" move is 10 % zoom, 5 % pan, 3°).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerances:
    # --- format ---
    duration_frames: float = 1.0  # the "within a frame": encoders round the last frame's length
    av_gap_frames: float = 2.0  # audio vs video length: Telestream Qualify FC-108 alerts beyond 2 frames
    av_gap_audio_frame_s: float = 0.0214  # plus one AAC frame (1024 samples at 48 kHz) of encoder padding
    # --- picture ---
    black_luma: int = 32  # Y ≤ this is black (limited range: 16 is black; blackdetect's 10 % of 16..235)
    black_share: float = 0.98  # of the picture outside text (blackdetect's pic_th)
    black_min_s: float = 0.1  # a stretch this long (3 frames at 30 fps) is a fault, not a cut
    # A frame whose luma spreads (5th to 95th percentile) over at most this is blank: a flat grey clip
    # re-encoded spreads 0, our renders of workflows/images and the tests' synthetic gradients at least 91.
    blank_spread: float = 6.0
    blank_share: float = 0.5  # blank over this share of the frames: the clip lost its picture
    freeze_still_px: float = 0.5  # the picture moved less than this between samples …
    freeze_moving_px: float = 3.0  # … while the asked move shifts it more than this …
    freeze_min_s: float = 0.5  # … for at least this long (freezedetect's d, as the research set it)
    bars_luma: int = 24  # cropdetect's limit: a line whose brightest pixel is at most this is a bar
    bars_lines: int = 4  # that many outermost lines black in every sampled frame
    edge_jump: float = 24.0  # a line differs from the next one in by this much on average (0..255) …
    edge_ratio: float = 4.0  # … and this many times more than the lines further in differ
    # --- motion (fractions of the asked value or of the frame; bench/qc_accuracy.py) ---
    zoom: float = 0.01  # relative: ×1.100 asked passes 1.089..1.111
    pan: float = 0.006  # of the frame's width (height for tilt)
    roll: float = 0.35  # degrees
    focus: float = 0.02  # of the frame's width: where the zoom centres on screen
    focus_min_zoom: float = 0.05  # below 5 % the centre is too ill-defined to find (a pixel of noise → 20)
    easing: float = 0.05  # largest gap between measured and asked progress (0..1) over the move
    path: float = 0.012  # largest gap from the asked path at any sampled frame, of the frame's diagonal
    min_move_px: float = 6.0  # smaller moves cannot tell one easing from another
    # --- text ---
    text_position: float = 0.03  # of the frame's height (width for x): where the block sits
    text_zone_px: float = 2.0  # rounding to even pixels may cross the zone's edge by this much
    text_time_frames: int = 1  # appears / disappears within a frame of the asked time
    text_contrast: float = 28.0  # mean change of the text's pixels when it appears (0..255)
    text_hold: float = 0.6  # correlation of the text's pixels mid-window with when it appeared
    ocr_slip_every: int = 12  # one misread letter allowed per 12 (a 10-letter title must read exactly)
    # --- audio ---
    loudness_lu: float = 1.0  # EBU R128 production tolerance (±1 LU)
    true_peak_dbtp: float = -0.5  # the renderer limits samples to −1 dBFS; AAC adds up to ½ dB
    dropout_db: float = 30.0  # a 50 ms window this far below the music's median level is a dropout
    dropout_floor_dbfs: float = -70.0  # … or below this absolutely
    fade_db: float = 8.0  # the first/last second this far below the steady level is an unasked fade


TOLERANCES = Tolerances()

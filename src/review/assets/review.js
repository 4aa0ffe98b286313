// vidflow review: places segments and events on their timelines, seeks the player
// to any element with data-start when it is clicked, and marks what is playing.
// Reads only numbers from data-* attributes; no network, no dependencies.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function num(el, name) {
    var v = parseFloat(el.getAttribute(name));
    return isFinite(v) && v >= 0 ? v : 0;
  }
  function pct(x) {
    return (Math.round(Math.min(Math.max(x, 0), 1) * 100000) / 1000) + '%';
  }

  function place() {
    document.querySelectorAll('.timeline').forEach(function (line) {
      var total = num(line, 'data-duration');
      if (!(total > 0)) return;
      line.querySelectorAll('.seg').forEach(function (seg) {
        var a = num(seg, 'data-start'), b = Math.max(num(seg, 'data-end'), a);
        seg.style.left = pct(a / total);
        seg.style.width = pct(Math.max((b - a) / total, 0.004));
        var len = b - a;
        seg.querySelectorAll('.event').forEach(function (ev) {
          var s = num(ev, 'data-start'), e = Math.max(num(ev, 'data-end'), s);
          ev.style.left = pct(len > 0 ? (s - a) / len : 0);
          ev.style.width = pct(len > 0 ? Math.max((e - s) / len, 0.02) : 1);
        });
      });
    });
  }

  function track(video) {
    var now = document.getElementById('now');
    var timed = document.querySelectorAll('.seg[data-start], tr.segment[data-start]');
    var heads = document.querySelectorAll('.timeline .playhead');
    function update() {
      var t = video.currentTime;
      timed.forEach(function (el) {
        var on = t >= num(el, 'data-start') && t < num(el, 'data-end');
        el.classList.toggle('active', on);
      });
      heads.forEach(function (h) {
        var total = num(h.parentNode, 'data-duration');
        if (total > 0) h.style.left = pct(t / total);
      });
    }
    video.addEventListener('timeupdate', update);
    video.addEventListener('seeked', update);
    // The first chapter track names the chapter being played.
    var chapters = Array.prototype.filter.call(video.textTracks, function (t) {
      return t.kind === 'chapters';
    })[0];
    if (chapters && now) {
      chapters.mode = 'hidden';
      chapters.addEventListener('cuechange', function () {
        var cue = chapters.activeCues && chapters.activeCues[0];
        now.textContent = cue ? chapters.label + ': ' + cue.getCueAsHTML().textContent : '';
      });
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    place();
    var video = document.getElementById('player');
    if (!video) return;
    track(video);
    document.addEventListener('click', function (e) {
      var target = e.target.closest ? e.target.closest('[data-start]') : null;
      if (!target || e.target.closest('a')) return;
      video.currentTime = num(target, 'data-start');
      var playing = video.play();
      if (playing && playing.catch) playing.catch(function () {});
    });
  });
})();

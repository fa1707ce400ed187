// The page's live events (Server-Sent Events): what changed, the breakout's state, and a
// "tic" every second. Silence for SILENCE ms means the connection is lost (a Wi-Fi drop
// closes nothing): the page says so, and opens the stream again until the server answers,
// from the last version it saw, so that a device that slept catches up without reloading.

const SILENCE = 2600;
const RETRY = 2500;

export function listen({ url, version, kind, onData, onDown, onUp, onRefused, probe }) {
  let source = null;
  let current = version;
  let heard = Date.now();
  let isDown = false;
  let stopped = false;
  let lastOpen = 0;

  function hear() {
    heard = Date.now();
    if (isDown) {
      isDown = false;
      onUp();
    }
  }

  function down() {
    if (!isDown) {
      isDown = true;
      onDown();
    }
  }

  function open() {
    if (stopped) return;
    if (source) source.close();
    lastOpen = Date.now();
    source = new EventSource(`${url}?depuis=${current}`);
    source.addEventListener(kind, (event) => {
      const data = JSON.parse(event.data);
      if (typeof data.version === "number") current = Math.max(current, data.version);
      hear();
      onData(data);
    });
    source.addEventListener("tic", hear);
    source.addEventListener("refus", (event) => {
      stop();
      onRefused(JSON.parse(event.data));
    });
    source.onerror = async () => {
      down();
      if (source && source.readyState === EventSource.CLOSED) {
        // Closed for good by the browser (the server refused, or said nothing sensible):
        // ask plainly why before opening again.
        source = null;
        const verdict = await probe?.(current);
        if (verdict === "refused") stop();
      }
    };
  }

  function watch() {
    if (stopped) return;
    const silent = Date.now() - heard;
    if (silent > SILENCE) {
      down();
      if (Date.now() - lastOpen > RETRY) open();
    }
  }

  function stop() {
    stopped = true;
    if (source) source.close();
    source = null;
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && Date.now() - heard > SILENCE) open();
  });
  // The device says it left the network (Wi-Fi off, out of range): said at once, and the
  // stream, which may stay open on a dead link, is dropped.
  window.addEventListener("offline", () => {
    down();
    if (source) source.close();
    source = null;
  });
  window.addEventListener("online", () => open());
  open();
  setInterval(watch, 500);
  return {
    get version() { return current; },
    set version(value) { current = Math.max(current, value); },
    get down() { return isDown; },
    heard: hear,
    stop,
  };
}

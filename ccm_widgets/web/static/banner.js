// The banner at the top of the page: red while the server cannot be reached, green a moment
// when it is back. It never offers to reload: a page reloaded offline would be lost.
import { say } from "./messages.js";

export function makeBanner(element = document.getElementById("banniere")) {
  let timer = null;
  return {
    down(text = say("offline")) {
      clearTimeout(timer);
      element.className = "banner";
      element.textContent = text;
      element.hidden = false;
    },
    up(text = say("back")) {
      if (element.hidden) return;
      element.className = "banner back";
      element.textContent = text;
      clearTimeout(timer);
      timer = setTimeout(() => { element.hidden = true; }, 3000);
    },
    refused(text) {
      clearTimeout(timer);
      element.className = "banner";
      element.textContent = text;
      element.hidden = false;
    },
  };
}

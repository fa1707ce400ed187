"""The style every page shares so that it fits its screen, from a phone to the projector.

ipywidgets lays controls out for a notebook on a desktop: a row of buttons never wraps, a
button is 148 px wide and cuts its label ("Ajouter comme nou…"), a control 100 % wide
overflows its box by its margin. These rules undo that in every page (issue 15); a page
puts :data:`DEVICE_CSS` once, in a ``w.HTML``.
"""

from __future__ import annotations

DEVICE_CSS = """
<style>
/* Every page fits its screen, from a 360 px phone to the projector (issue 15): nothing is
   wider than the box it is in, a row of controls goes on as many lines as it needs, and a
   button is as wide as its label, whose words wrap inside it rather than being cut. */
.jupyter-widgets.widget-hbox { flex-wrap: wrap; }
.jupyter-widgets.widget-inline-hbox, .jupyter-widgets.widget-inline-vbox {
  max-width: calc(100% - 2 * var(--jp-widgets-margin)); }
.jupyter-widgets.widget-button, .jupyter-widgets.widget-upload { width: auto; }
.jupyter-widgets.jupyter-button { flex-shrink: 0;
  max-width: calc(100% - 2 * var(--jp-widgets-margin)); height: auto;
  min-height: var(--jp-widgets-inline-height); line-height: 1.3;
  padding-top: 4px; padding-bottom: 4px; white-space: normal; overflow-wrap: anywhere;
  text-overflow: clip; }
.jupyter-widgets.widget-vbox > .jupyter-button { align-self: flex-start; }
.widget-html > .widget-html-content { line-height: 1.45; min-width: 0;
  overflow-wrap: anywhere; }
.widget-html-content table { max-width: 100%; }
.widget-html-content td, .widget-html-content th { overflow-wrap: anywhere; }
.widget-html-content svg { max-width: 100%; height: auto; }
.jupyter-widgets.widget-select select { overflow-x: hidden; }
.jupyter-widgets.widget-select option { overflow: hidden; text-overflow: ellipsis; }
.jupyter-widgets.widget-tab > .lm-TabBar > .lm-TabBar-content { flex-wrap: wrap; }
.jupyter-widgets.widget-tab > .lm-TabBar .lm-TabBar-tab { flex: 0 0 auto; min-width: 0;
  max-width: 100%; }
.jupyter-widgets.widget-tab > .lm-TabBar .lm-TabBar-tabLabel { overflow: visible;
  white-space: normal; }
/* A control named by its label for screen readers only (widgets/common/labels.py): the
   label is not drawn, the bold words above the control say the same. */
.ccm-named > .widget-label { position: absolute !important; width: 1px;
  height: 1px; margin: 0; padding: 0; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }
@media (pointer: coarse) {  /* a finger needs a larger target than a mouse */
  .jupyter-widgets.jupyter-button { min-height: 40px; font-size: 15px; }
}
@media (max-width: 599px) {  /* a phone: the page's own margins give way to its content */
  #rendered_cells { padding-left: 4px; padding-right: 4px; }
}
</style>
"""

// The view toolkit: Preact's h() bound to htm tagged templates (no build step). Text in
// templates is always set as text, never parsed as HTML: user strings are escaped by design.
import { h, render, Fragment } from '../vendor/preact.js';
import { useState, useEffect, useRef, useCallback, useMemo } from '../vendor/hooks.js';
import htm from '../vendor/htm.js';

export const html = htm.bind(h);
export { render, Fragment, useState, useEffect, useRef, useCallback, useMemo };

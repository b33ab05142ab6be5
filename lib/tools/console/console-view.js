"use strict";
/**
 * What the console's server sends its page: plain JSON shapes shared by both sides (no Node.js or DOM types,
 * so the page's own type-check can include this file).
 */
Object.defineProperty(exports, "__esModule", { value: true });

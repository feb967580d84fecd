import{aa as e}from"./app-C95N1AO0.js";function a(n,t="long"){return n?e.global.d(new Date(n),t):"—"}function o(n){return n==null?"—":e.global.n(n,"percent")}export{a as d,o as p};

import{ab as e}from"./app-DRlGgNAK.js";function o(n,t="long"){return n?e.global.d(new Date(n),t):"—"}function a(n){return n==null?"—":e.global.n(n,"percent")}export{o as d,a as p};

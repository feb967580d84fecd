import{Z as e}from"./app-C_Y9ilSX.js";function o(n,t="long"){return n?e.global.d(new Date(n),t):"—"}function l(n){return n==null?"—":e.global.n(n,"percent")}export{o as d,l as p};

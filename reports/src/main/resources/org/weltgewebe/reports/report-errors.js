(function(){
  function note(text){
    var write=function(){var e=document.getElementById('errors');if(e){e.textContent+=text+'\n';}else{setTimeout(write,0);}};
    write();
  }
  window.onerror=function(msg,src,line,col){note('error: '+msg+' at '+src+':'+line+':'+col);};
  window.addEventListener('unhandledrejection',function(ev){note('unhandled rejection: '+ev.reason);});
  var original=console.error;
  console.error=function(){note('console.error: '+Array.prototype.join.call(arguments,' '));if(original){original.apply(console,arguments);}};
})();

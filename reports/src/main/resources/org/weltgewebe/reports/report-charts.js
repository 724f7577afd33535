(function(){
  'use strict';
  var data=JSON.parse(document.getElementById('report-data').textContent);
  var rendered=[];
  function draw(id,option){
    var el=document.getElementById(id);
    var chart=echarts.init(el,null,{renderer:'canvas'});
    option.animation=false;
    chart.on('finished',function(){
      if(el.getAttribute('data-rendered')!=='true'){
        el.setAttribute('data-rendered','true');
        rendered.push(id);
        document.getElementById('rendered-charts').textContent=rendered.join(' ');
      }
    });
    chart.setOption(option);
    window.addEventListener('resize',function(){chart.resize();});
  }
  function phaseAreas(windows){
    var spans={};
    windows.forEach(function(w){
      if(w.route!=='*'){return;}
      var s=spans[w.phase]||(spans[w.phase]=[w.t,w.t+10]);
      s[0]=Math.min(s[0],w.t);s[1]=Math.max(s[1],w.t+10);
    });
    return Object.keys(spans).map(function(p){return [{name:p,xAxis:spans[p][0]},{xAxis:spans[p][1]}];});
  }
  // phases can share a 10-second window where one ends and the next begins: add their counts,
  // keep the latency of the busier one
  var byT={};
  data.windows.forEach(function(w){
    if(w.route!=='*'){return;}
    var a=byT[w.t];
    if(!a){byT[w.t]={t:w.t,requests:w.requests,ok:w.ok,shed:w.shed,p50:w.p50,p95:w.p95,p99:w.p99,busiest:w.requests};return;}
    a.requests+=w.requests;a.ok+=w.ok;a.shed+=w.shed;
    if(w.requests>a.busiest){a.busiest=w.requests;a.p50=w.p50;a.p95=w.p95;a.p99=w.p99;}
  });
  var all=Object.keys(byT).map(function(k){return byT[k];}).sort(function(a,b){return a.t-b.t;});
  function line(name,key,src){return {name:name,type:'line',showSymbol:false,connectNulls:false,data:src.map(function(w){return [w.t,w[key]];})};}
  var latency=[line('p50','p50',all),line('p95','p95',all),line('p99','p99',all)];
  latency[0].markArea={silent:true,itemStyle:{color:'rgba(120,140,180,0.08)',borderColor:'rgba(120,140,180,0.4)',borderWidth:1},
    label:{position:'insideTop',color:'#555'},data:phaseAreas(data.windows)};
  draw('chart-latency',{tooltip:{trigger:'axis'},legend:{},grid:{left:60,right:30},
    xAxis:{type:'value',name:'s',min:'dataMin'},yAxis:{type:'log',name:'ms',min:1},series:latency});

  var byRoute={};
  data.windows.forEach(function(w){if(w.route!=='*'&&w.phase==='main'){(byRoute[w.route]=byRoute[w.route]||[]).push(w);}});
  var routeSeries=Object.keys(byRoute).sort().map(function(r){
    var ws=byRoute[r].sort(function(a,b){return a.t-b.t;});
    return {name:r,type:'line',showSymbol:true,symbolSize:4,data:ws.map(function(w){return [w.t,w.p95];})};
  });
  draw('chart-latency-routes',{tooltip:{trigger:'item'},legend:{type:'scroll',bottom:0},grid:{left:60,right:30,bottom:60},
    xAxis:{type:'value',name:'s',min:'dataMin'},yAxis:{type:'log',name:'p95 ms',min:1},series:routeSeries});

  function rate(key){return all.map(function(w){return [w.t,w[key]/10];});}
  draw('chart-throughput',{tooltip:{trigger:'axis'},legend:{},grid:{left:60,right:60},
    xAxis:{type:'value',name:'s',min:'dataMin'},
    yAxis:[{type:'value',name:'req/s'},{type:'value',name:'shed %',max:100,min:0}],
    series:[{name:'requests',type:'line',showSymbol:false,data:rate('requests')},
            {name:'ok',type:'line',showSymbol:false,data:rate('ok')},
            {name:'shed',type:'line',showSymbol:false,data:rate('shed')},
            {name:'shed rate',type:'line',yAxisIndex:1,showSymbol:false,lineStyle:{type:'dashed'},
             data:all.map(function(w){return [w.t,w.requests>0?100*w.shed/w.requests:0];})}]});

  var o=data.overload;
  draw('chart-overload',{tooltip:{},grid:{left:60,right:30},xAxis:{type:'category',data:['offered','goodput','shed','errors']},
    yAxis:{type:'value',name:'req/s'},
    series:[{type:'bar',data:[o.offered,o.goodput,o.shed,o.errors],
      markLine:{symbol:'none',data:[{yAxis:o.sustainable,name:'sustainable'}],label:{position:'insideEndTop',formatter:'sustainable {c}'}}}]});

  draw('chart-budget',{tooltip:{},grid:{left:60,right:30,bottom:120},
    xAxis:{type:'category',data:data.budgets.map(function(b){return b.route;}),axisLabel:{rotate:40,fontSize:10}},
    yAxis:{type:'value',name:'% of month'},
    series:[{name:'month (extrapolated)',type:'bar',data:data.budgets.map(function(b){return b.monthPercent;}),
      markLine:{symbol:'none',data:[{yAxis:1,name:'alert'},{yAxis:5,name:'escalate'}]}}]});

  var providers=data.cost.providers;
  var items=providers.length?Object.keys(providers[0].lines):[];
  var costSeries=items.map(function(item){return {name:item,type:'bar',stack:'cost',data:providers.map(function(p){return p.lines[item];})};});
  costSeries.push({name:'band at this scenario',type:'scatter',symbol:'rect',symbolSize:[40,3],data:providers.map(function(p){return p.expected;})});
  draw('chart-cost',{tooltip:{trigger:'axis'},legend:{},grid:{left:70,right:30},
    xAxis:{type:'category',data:providers.map(function(p){return p.name;})},yAxis:{type:'value',name:'€ / month'},series:costSeries});

  var scenarios=data.scale.map(function(e){return e.scenario;});
  var scaleSeries=[];
  if(data.scale.length){
    data.scale[0].providers.forEach(function(p,i){
      scaleSeries.push({name:p.name,type:'line',data:data.scale.map(function(e){return e.providers[i].total;})});
      scaleSeries.push({name:p.name+' band',type:'line',lineStyle:{type:'dashed'},showSymbol:false,
        data:scenarios.map(function(s,k){return k===0?p.low:(k===scenarios.length-1?p.high:null);}),connectNulls:true});
    });
  }
  draw('chart-scale',{tooltip:{trigger:'axis'},legend:{},grid:{left:70,right:30},
    xAxis:{type:'category',data:scenarios},yAxis:{type:'log',name:'€ / month',min:1},series:scaleSeries});

  var w=data.whatIf;
  var whatIfSeries=[];
  if(w){
    var byNodes={};
    w.predictions.forEach(function(p){(byNodes[p.nodes]=byNodes[p.nodes]||[]).push([p.rate,p.p95]);});
    Object.keys(byNodes).forEach(function(n){whatIfSeries.push({name:n+' node(s), predicted p95',type:'line',data:byNodes[n]});});
    whatIfSeries.push({name:'this run',type:'scatter',symbolSize:10,data:[[w.run.rate,w.run.p95]]});
    if(w.capacity.length){whatIfSeries.push({name:'capacity search, measured p95',type:'scatter',symbol:'diamond',symbolSize:9,
      data:w.capacity.map(function(c){return [c.rate,c.p95];})});}
  }
  draw('chart-whatif',{tooltip:{trigger:'item'},legend:{},grid:{left:60,right:30},
    xAxis:{type:'value',name:'req/s'},yAxis:{type:'log',name:'p95 ms',min:1},series:whatIfSeries});
})();

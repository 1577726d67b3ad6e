// Messages in English and Korean, the language toggle, and locale-aware formatting.
// Every error `code` of docs/errors.md has a message under `error.<CODE>`.

const kLangKey = 'concertd.lang';

const en = {
  'app.name': 'concertd tickets',
  'app.tagline': 'Fair flash sales: a waiting room, then your pick of the seats.',
  'lang.label': 'Language',
  'skip': 'Skip to content',

  'auth.login': 'Log in',
  'auth.signup': 'Sign up',
  'auth.logout': 'Log out',
  'auth.username': 'Username',
  'auth.password': 'Password',
  'auth.username.hint': '3–32 letters, digits, or . _ -',
  'auth.password.hint': 'At least 8 characters',
  'auth.submit.login': 'Log in',
  'auth.submit.signup': 'Create account',
  'auth.intro': 'Log in to join the waiting room and book seats. New here? Create an account in seconds.',
  'auth.signedup': 'Account created. You are logged in.',
  'auth.loggedout': 'You are logged out.',
  'auth.user': 'Signed in as {name}',
  'auth.bad.username': 'Usernames are 3–32 characters: letters, digits, or . _ -',
  'auth.bad.password': 'Passwords are 8–128 characters.',

  'balance.label': 'Balance',
  'balance.charge': 'Charge',
  'balance.heading': 'Charge your balance',
  'balance.amount': 'Amount (won)',
  'balance.amount.hint': '1 to 10,000,000 won per charge',
  'balance.submit': 'Charge',
  'balance.cancel': 'Close',
  'balance.done': 'Charged {amount}. New balance: {balance}.',
  'balance.retry': 'Retry the same charge',

  'nav.concerts': 'Concerts',
  'nav.reservations': 'My reservations',

  'concerts.heading': 'Upcoming concerts',
  'concerts.empty': 'No upcoming concerts right now.',
  'concerts.left': '{n} seats left',
  'concerts.soldout': 'Sold out',
  'concerts.join': 'Join the waiting room',
  'concerts.enter': 'Choose seats',
  'concerts.loading': 'Loading concerts…',

  'step.concert': 'Concert',
  'step.queue': 'Waiting room',
  'step.seats': 'Seats',
  'step.pay': 'Payment',
  'step.done': 'Done',
  'booking.back': '← All concerts',

  'queue.heading': 'Waiting room',
  'queue.position': 'Your place in line',
  'queue.ahead': '#{n}',
  'queue.eta': 'Estimated wait',
  'queue.eta.soon': 'less than a minute',
  'queue.eta.min': 'about {n} min',
  'queue.eta.sec': 'about {n} s',
  'queue.eta.range.min': 'about {low}–{high} min',
  'queue.eta.range.sec': 'about {low}–{high} s',
  'queue.eta.resume': '{eta} once admission resumes',
  'queue.note': 'Keep this page open. The seat map opens by itself when it is your turn; reloading keeps your place.',
  'queue.paused': 'Paused by the organiser. Admission will resume shortly — you keep your place.',
  'queue.joining': 'Joining the waiting room…',
  'queue.checking': 'Checking your browser…',
  'queue.waiting': 'You are in line.',
  'queue.waiting.paused': 'You are in line; admission is paused.',
  'queue.active': 'It is your turn! Pick your seats.',
  'queue.active.left': 'Time left to book: {time}',
  'queue.expired': 'Your booking window has closed.',
  'queue.expired.paid': 'Your booking window closed with your payment. To book more seats, join the waiting room again.',
  'queue.rejoin': 'Join the waiting room again',
  'queue.leave': 'Leave the queue',
  'queue.left': 'You left the queue; your place went to the next fan. Seats you hold stay yours until they lapse.',
  'queue.retrying': 'Connection trouble — retrying in {n} s.',
  'queue.live.position': 'Your place in line: {n}. Estimated wait: {eta}.',
  'queue.progress': 'Progress through the line',

  'seats.heading': 'Choose your seats',
  'seats.help': 'Select a seat to hold it. You can hold up to 4 seats; each hold lasts a few minutes. Arrow keys move between seats.',
  'seats.loading': 'Loading the seat map…',
  'seats.legend': 'Legend',
  'seats.available': 'Available',
  'seats.taken': 'Held or sold',
  'seats.yours': 'Yours (held)',
  'seats.bought': 'Yours (paid)',
  'seats.tier': '{price} · {n} of {total} left',
  'seats.label.available': 'Seat {n}, {price}, available',
  'seats.label.taken': 'Seat {n}, {price}, taken',
  'seats.label.yours': 'Seat {n}, {price}, held by you',
  'seats.label.bought': 'Seat {n}, {price}, paid by you',
  'seats.map': 'Seat map',
  'seats.stage': 'STAGE',
  'seats.held': 'Seat {n} is yours for {time}. Pay before the timer runs out.',
  'seats.taken.click': 'Seat {n} is taken. Please pick another seat.',
  'seats.yours.click': 'Seat {n} is already in your holds.',
  'seats.refresh': 'Refresh',

  'cart.heading': 'Your holds',
  'cart.empty': 'No seats held yet. Pick a seat on the map.',
  'cart.seat': 'Seat {n}',
  'cart.pay': 'Pay {price}',
  'cart.paying': 'Paying…',
  'cart.retry': 'Retry payment',
  'cart.cancel': 'Cancel',
  'cart.cancel.label': 'Cancel hold on seat {n}',
  'cart.remove': 'Remove',
  'cart.remove.label': 'Remove seat {n} from the list',
  'cart.extend': 'Extend hold',
  'cart.extend.label': 'Extend the hold on seat {n} once',
  'cart.extended': 'Extended',
  'cart.extended.label': 'The hold on seat {n} was extended (once only)',
  'cart.extended.toast': 'Seat {n} is held for {time} now. A hold can be extended only once.',
  'cart.expires': 'Held for',
  'cart.expired': 'Expired',
  'cart.count': '{n} of {max} holds',
  'cart.cancelled': 'Hold on seat {n} cancelled.',
  'cart.uncertain': 'We could not confirm the payment. Retrying is safe: you will not be charged twice.',

  'confirm.heading': 'Booking confirmed',
  'confirm.body': 'Seat {seat} for {concert} on {date} is yours.',
  'confirm.paid': 'Paid',
  'confirm.payment': 'Payment reference',
  'confirm.balance': 'Remaining balance',
  'confirm.close': 'Continue',
  'confirm.reservations': 'See my reservations',

  'res.heading': 'My reservations',
  'res.empty': 'No reservations yet.',
  'res.seat': 'Seat',
  'res.status': 'Status',
  'res.status.HELD': 'Held',
  'res.status.CONFIRMED': 'Confirmed',
  'res.status.EXPIRED': 'Expired',
  'res.status.CANCELLED': 'Cancelled',
  'res.refresh': 'Refresh',
  'res.until': 'Pay by {time}',

  'error.dismiss': 'Dismiss',
  'error.BAD_REQUEST': 'We could not process that request. Please check what you entered and try again.',
  'error.INVALID_AMOUNT': 'Enter a whole number of won from 1 to 10,000,000 (and a balance can not grow past its limit).',
  'error.AMOUNT_MISMATCH': 'The amount did not match the seat’s price. We have reloaded the price; please check it and pay again.',
  'error.NOT_FOUND': 'This feature is not available on the server yet.',
  'error.METHOD_NOT_ALLOWED': 'The server does not support this action. Please reload the page.',
  'error.PAYLOAD_TOO_LARGE': 'What you sent is too large. Please shorten it and try again.',
  'error.HEADERS_TOO_LARGE': 'The request was too large for the server. Log out, log in again, and retry.',
  'error.BAD_CREDENTIALS': 'That username and password do not match. Please try again.',
  'error.INVALID_TOKEN': 'Your session has ended. Please log in again.',
  'error.INVALID_TOKEN.queue': 'Your waiting-room pass was no longer valid, so we asked for it again. You keep your place if it was still live.',
  'error.FORBIDDEN': 'That belongs to another account. Please log in with your own account.',
  'error.FORBIDDEN.admin': 'The admin key is wrong, or the admin API is switched off on this server (FORBIDDEN).',
  'error.POW_REQUIRED': 'The waiting room could not check your browser. Please try again.',
  'error.POW_INVALID': 'The check of your browser took too long or did not go through. Please try again.',
  'error.POW_UNSUPPORTED': 'This browser can not run the waiting room’s check. Please use an up-to-date browser over a secure (https) connection.',
  'error.QUEUE_NOT_ACTIVE': 'It is not your turn yet, or your booking window has closed. Stay in the waiting room: the seat map opens when it is your turn.',
  'error.CONCERT_NOT_FOUND': 'This concert is no longer on sale. We have reloaded the list of concerts.',
  'error.SEAT_NOT_FOUND': 'That seat does not exist for this concert. We have reloaded the seat map.',
  'error.RESERVATION_NOT_FOUND': 'We could not find that reservation.',
  'error.USER_NOT_FOUND': 'This account no longer exists. Please sign up or log in again.',
  'error.USERNAME_TAKEN': 'That username is already taken. Please choose another one.',
  'error.SEAT_UNAVAILABLE': 'Sorry, seat {seat} was just taken by someone else. Please pick another seat.',
  'error.HOLD_LIMIT': 'You can hold at most 4 seats at a time. Pay for or cancel a held seat first.',
  'error.HOLD_EXPIRED': 'The hold on seat {seat} has expired, so nothing was charged. The seat may be free again: pick it on the map.',
  'error.ALREADY_PAID': 'This seat is already paid for. It is yours: see My reservations.',
  'error.ALREADY_EXTENDED': 'The hold on seat {seat} was already extended; a hold can be extended only once.',
  'error.INSUFFICIENT_BALANCE': 'Your balance does not cover this seat ({price}). Charge your balance, then pay before the hold expires.',
  'error.IDEMPOTENCY_KEY_REUSED': 'This request clashed with an earlier one. Please try again.',
  'error.UNAVAILABLE': 'The service is very busy right now. Please wait a moment and try again.',
  'error.INTERNAL': 'Something went wrong on our side. Please try again; if it keeps happening, contact support.',
  'error.NETWORK': 'Can not reach the server. Please check your connection and try again.',
  'error.UNKNOWN': 'Something unexpected happened ({code}). Please try again.',

  // Operator console
  'admin.title': 'Operator console',
  'admin.key': 'Admin key',
  'admin.key.intro': 'Enter the key concertd was started with (--admin-key). It is kept only for this browser tab.',
  'admin.key.submit': 'Open console',
  'admin.key.forget': 'Forget key',
  'admin.live': 'Live',
  'admin.waiting': 'Waiting',
  'admin.active': 'Active',
  'admin.admitRate': 'Admit rate',
  'admin.maxActive': 'Max active',
  'admin.admitted': 'Admitted in total',
  'admin.state': 'Admission',
  'admin.state.running': 'Running',
  'admin.state.paused': 'Paused',
  'admin.perSec': '{n}/s',
  'admin.adaptiveRate': '{n}/s (adaptive, at most {max}/s)',
  'admin.chart': 'Holds and sales per second',
  'admin.chart.holds': 'Holds/s',
  'admin.chart.sales': 'Sales/s',
  'admin.chart.now': 'now',
  'admin.chart.ago': '{n} min ago',
  'admin.chart.agoSec': '{n} s ago',
  'admin.chart.summary': 'Latest: {holds} holds/s, {sales} sales/s. Peak: {peakHolds} holds/s, {peakSales} sales/s.',
  'admin.chart.waiting': 'Collecting data…',
  'admin.controls': 'Admission controls',
  'admin.pause': 'Pause admission',
  'admin.resume': 'Resume admission',
  'admin.apply': 'Apply',
  'admin.applied': 'Applied at {time}: admission {state}, admit rate {rate}/s, max active {max}.',
  'admin.sales': 'Sales per concert',
  'admin.sales.concert': 'Concert',
  'admin.sales.date': 'Date',
  'admin.sales.sold': 'Sold',
  'admin.sales.held': 'Held',
  'admin.sales.seats': 'Seats',
  'admin.sales.combined': 'Sold · held / seats',
  'admin.sales.revenue': 'Revenue',
  'admin.sales.total': 'Total',
  'admin.sales.empty': 'No concerts yet.',
  'admin.create': 'Create a concert',
  'admin.create.name': 'Name',
  'admin.create.date': 'Date',
  'admin.create.seats': 'Seat count',
  'admin.create.price': 'Price (won)',
  'admin.create.submit': 'Create concert',
  'admin.create.done': 'Created “{name}” ({id}).',
  'admin.updated': 'Updated {time}',
};

const ko = {
  'app.name': 'concertd 티켓',
  'app.tagline': '공정한 선착순 예매: 대기열을 거쳐 원하는 좌석을 고르세요.',
  'lang.label': '언어',
  'skip': '본문으로 건너뛰기',

  'auth.login': '로그인',
  'auth.signup': '회원가입',
  'auth.logout': '로그아웃',
  'auth.username': '아이디',
  'auth.password': '비밀번호',
  'auth.username.hint': '영문, 숫자, . _ - 조합 3~32자',
  'auth.password.hint': '8자 이상',
  'auth.submit.login': '로그인',
  'auth.submit.signup': '가입하기',
  'auth.intro': '로그인하고 대기열에 참여해 좌석을 예매하세요. 처음이신가요? 몇 초면 가입할 수 있습니다.',
  'auth.signedup': '가입이 완료되어 로그인되었습니다.',
  'auth.loggedout': '로그아웃되었습니다.',
  'auth.user': '{name}님',
  'auth.bad.username': '아이디는 영문, 숫자, . _ - 조합 3~32자입니다.',
  'auth.bad.password': '비밀번호는 8~128자입니다.',

  'balance.label': '잔액',
  'balance.charge': '충전',
  'balance.heading': '잔액 충전',
  'balance.amount': '금액(원)',
  'balance.amount.hint': '1회 1원~10,000,000원',
  'balance.submit': '충전하기',
  'balance.cancel': '닫기',
  'balance.done': '{amount} 충전되었습니다. 현재 잔액: {balance}',
  'balance.retry': '같은 충전 다시 시도',

  'nav.concerts': '공연',
  'nav.reservations': '내 예매',

  'concerts.heading': '예정된 공연',
  'concerts.empty': '지금은 예정된 공연이 없습니다.',
  'concerts.left': '잔여 {n}석',
  'concerts.soldout': '매진',
  'concerts.join': '대기열 참여',
  'concerts.enter': '좌석 선택',
  'concerts.loading': '공연 목록을 불러오는 중…',

  'step.concert': '공연',
  'step.queue': '대기열',
  'step.seats': '좌석',
  'step.pay': '결제',
  'step.done': '완료',
  'booking.back': '← 전체 공연',

  'queue.heading': '대기열',
  'queue.position': '나의 대기 순서',
  'queue.ahead': '{n}번째',
  'queue.eta': '예상 대기 시간',
  'queue.eta.soon': '1분 이내',
  'queue.eta.min': '약 {n}분',
  'queue.eta.sec': '약 {n}초',
  'queue.eta.range.min': '약 {low}~{high}분',
  'queue.eta.range.sec': '약 {low}~{high}초',
  'queue.eta.resume': '입장 재개 후 {eta}',
  'queue.note': '이 페이지를 열어 두세요. 차례가 되면 좌석 선택 화면이 자동으로 열립니다. 새로 고침해도 순서는 유지됩니다.',
  'queue.paused': '주최 측이 입장을 잠시 멈췄습니다. 곧 재개되며 대기 순서는 그대로 유지됩니다.',
  'queue.joining': '대기열에 참여하는 중…',
  'queue.checking': '브라우저를 확인하는 중…',
  'queue.waiting': '대기 중입니다.',
  'queue.waiting.paused': '대기 중입니다. 입장이 일시 정지되었습니다.',
  'queue.active': '입장 차례입니다! 좌석을 선택하세요.',
  'queue.active.left': '남은 예매 시간: {time}',
  'queue.expired': '예매 가능 시간이 끝났습니다.',
  'queue.expired.paid': '결제가 완료되어 예매 시간이 종료되었습니다. 좌석을 더 예매하려면 대기열에 다시 참여해 주세요.',
  'queue.rejoin': '대기열 다시 참여',
  'queue.leave': '대기열 나가기',
  'queue.left': '대기열에서 나왔습니다. 순서는 다음 분께 넘어갔습니다. 선점한 좌석은 만료될 때까지 유지됩니다.',
  'queue.retrying': '연결이 불안정합니다. {n}초 후 다시 시도합니다.',
  'queue.live.position': '나의 대기 순서: {n}번째. 예상 대기 시간: {eta}.',
  'queue.progress': '대기 진행률',

  'seats.heading': '좌석 선택',
  'seats.help': '좌석을 누르면 선점됩니다. 최대 4석까지 선점할 수 있으며, 선점은 몇 분간 유지됩니다. 방향키로 좌석 사이를 이동할 수 있습니다.',
  'seats.loading': '좌석 배치도를 불러오는 중…',
  'seats.legend': '범례',
  'seats.available': '선택 가능',
  'seats.taken': '선점 또는 판매됨',
  'seats.yours': '내 선점 좌석',
  'seats.bought': '내 결제 좌석',
  'seats.tier': '{price} · {total}석 중 {n}석 남음',
  'seats.label.available': '{n}번 좌석, {price}, 선택 가능',
  'seats.label.taken': '{n}번 좌석, {price}, 선택 불가',
  'seats.label.yours': '{n}번 좌석, {price}, 내가 선점함',
  'seats.label.bought': '{n}번 좌석, {price}, 결제 완료',
  'seats.map': '좌석 배치도',
  'seats.stage': '무대',
  'seats.held': '{n}번 좌석을 {time} 동안 선점했습니다. 시간 안에 결제해 주세요.',
  'seats.taken.click': '{n}번 좌석은 이미 선택되었습니다. 다른 좌석을 골라 주세요.',
  'seats.yours.click': '{n}번 좌석은 이미 선점한 좌석입니다.',
  'seats.refresh': '새로 고침',

  'cart.heading': '선점한 좌석',
  'cart.empty': '아직 선점한 좌석이 없습니다. 배치도에서 좌석을 선택하세요.',
  'cart.seat': '{n}번 좌석',
  'cart.pay': '{price} 결제',
  'cart.paying': '결제 중…',
  'cart.retry': '결제 다시 시도',
  'cart.cancel': '취소',
  'cart.cancel.label': '{n}번 좌석 선점 취소',
  'cart.remove': '목록에서 삭제',
  'cart.remove.label': '{n}번 좌석을 목록에서 삭제',
  'cart.extend': '선점 연장',
  'cart.extend.label': '{n}번 좌석 선점을 한 번 연장',
  'cart.extended': '연장됨',
  'cart.extended.label': '{n}번 좌석 선점을 연장했습니다 (한 번만 가능)',
  'cart.extended.toast': '{n}번 좌석을 이제 {time} 동안 선점합니다. 선점 연장은 한 번만 가능합니다.',
  'cart.expires': '남은 시간',
  'cart.expired': '만료됨',
  'cart.count': '선점 {n}/{max}석',
  'cart.cancelled': '{n}번 좌석 선점을 취소했습니다.',
  'cart.uncertain': '결제 결과를 확인하지 못했습니다. 다시 시도해도 중복 결제되지 않습니다.',

  'confirm.heading': '예매 완료',
  'confirm.body': '{date} {concert} 공연의 {seat}번 좌석이 예매되었습니다.',
  'confirm.paid': '결제 금액',
  'confirm.payment': '결제 번호',
  'confirm.balance': '남은 잔액',
  'confirm.close': '계속하기',
  'confirm.reservations': '내 예매 보기',

  'res.heading': '내 예매',
  'res.empty': '아직 예매 내역이 없습니다.',
  'res.seat': '좌석',
  'res.status': '상태',
  'res.status.HELD': '선점 중',
  'res.status.CONFIRMED': '예매 완료',
  'res.status.EXPIRED': '만료',
  'res.status.CANCELLED': '취소',
  'res.refresh': '새로 고침',
  'res.until': '{time}까지 결제',

  'error.dismiss': '닫기',
  'error.BAD_REQUEST': '요청을 처리할 수 없습니다. 입력한 내용을 확인한 뒤 다시 시도해 주세요.',
  'error.INVALID_AMOUNT': '1원부터 10,000,000원 사이의 정수 금액을 입력해 주세요(잔액 한도를 넘을 수 없습니다).',
  'error.AMOUNT_MISMATCH': '결제 금액이 좌석 가격과 다릅니다. 가격을 다시 불러왔으니 확인한 뒤 결제해 주세요.',
  'error.NOT_FOUND': '서버에서 아직 이 기능을 제공하지 않습니다.',
  'error.METHOD_NOT_ALLOWED': '서버가 지원하지 않는 동작입니다. 페이지를 새로 고쳐 주세요.',
  'error.PAYLOAD_TOO_LARGE': '보낸 내용이 너무 큽니다. 줄여서 다시 시도해 주세요.',
  'error.HEADERS_TOO_LARGE': '요청이 너무 커서 처리할 수 없습니다. 로그아웃 후 다시 로그인해 주세요.',
  'error.BAD_CREDENTIALS': '아이디 또는 비밀번호가 올바르지 않습니다. 다시 입력해 주세요.',
  'error.INVALID_TOKEN': '로그인 시간이 만료되었습니다. 다시 로그인해 주세요.',
  'error.INVALID_TOKEN.queue': '대기열 입장권이 유효하지 않아 다시 발급받았습니다. 기존 순서가 유효하면 그대로 유지됩니다.',
  'error.FORBIDDEN': '다른 계정의 정보입니다. 본인 계정으로 로그인해 주세요.',
  'error.FORBIDDEN.admin': '관리자 키가 틀렸거나 이 서버에서 관리자 API가 꺼져 있습니다(FORBIDDEN).',
  'error.POW_REQUIRED': '대기열에서 브라우저를 확인하지 못했습니다. 다시 시도해 주세요.',
  'error.POW_INVALID': '브라우저 확인이 너무 오래 걸렸거나 완료되지 않았습니다. 다시 시도해 주세요.',
  'error.POW_UNSUPPORTED': '이 브라우저에서는 대기열의 확인 절차를 실행할 수 없습니다. 최신 브라우저로 보안(https) 연결에서 이용해 주세요.',
  'error.QUEUE_NOT_ACTIVE': '아직 입장 차례가 아니거나 예매 시간이 끝났습니다. 대기열에서 기다리시면 차례가 될 때 좌석 선택 화면이 열립니다.',
  'error.CONCERT_NOT_FOUND': '더 이상 판매하지 않는 공연입니다. 공연 목록을 다시 불러왔습니다.',
  'error.SEAT_NOT_FOUND': '이 공연에 없는 좌석입니다. 좌석 배치도를 다시 불러왔습니다.',
  'error.RESERVATION_NOT_FOUND': '예매 내역을 찾을 수 없습니다.',
  'error.USER_NOT_FOUND': '계정을 찾을 수 없습니다. 다시 가입하거나 로그인해 주세요.',
  'error.USERNAME_TAKEN': '이미 사용 중인 아이디입니다. 다른 아이디를 입력해 주세요.',
  'error.SEAT_UNAVAILABLE': '죄송합니다. {seat}번 좌석은 방금 다른 분이 선택했습니다. 다른 좌석을 골라 주세요.',
  'error.HOLD_LIMIT': '한 번에 최대 4석까지 선점할 수 있습니다. 선점한 좌석을 결제하거나 취소한 뒤 다시 시도해 주세요.',
  'error.HOLD_EXPIRED': '{seat}번 좌석의 선점 시간이 만료되어 결제되지 않았습니다. 좌석이 다시 비어 있다면 배치도에서 다시 선택해 주세요.',
  'error.ALREADY_PAID': '이미 결제가 완료된 좌석입니다. 내 예매에서 확인하세요.',
  'error.ALREADY_EXTENDED': '{seat}번 좌석 선점은 이미 연장되었습니다. 연장은 한 번만 가능합니다.',
  'error.INSUFFICIENT_BALANCE': '잔액이 부족합니다(좌석 가격 {price}). 잔액을 충전한 뒤 선점 시간 안에 결제해 주세요.',
  'error.IDEMPOTENCY_KEY_REUSED': '이전 요청과 충돌했습니다. 다시 시도해 주세요.',
  'error.UNAVAILABLE': '지금 접속자가 많아 처리가 지연되고 있습니다. 잠시 후 다시 시도해 주세요.',
  'error.INTERNAL': '일시적인 오류가 발생했습니다. 다시 시도해 주시고, 계속되면 고객센터에 문의해 주세요.',
  'error.NETWORK': '서버에 연결할 수 없습니다. 네트워크 연결을 확인한 뒤 다시 시도해 주세요.',
  'error.UNKNOWN': '예상하지 못한 오류가 발생했습니다({code}). 다시 시도해 주세요.',

  'admin.title': '운영 콘솔',
  'admin.key': '관리자 키',
  'admin.key.intro': 'concertd를 시작할 때 지정한 키(--admin-key)를 입력하세요. 이 브라우저 탭에만 보관됩니다.',
  'admin.key.submit': '콘솔 열기',
  'admin.key.forget': '키 지우기',
  'admin.live': '실시간',
  'admin.waiting': '대기 중',
  'admin.active': '입장 중',
  'admin.admitRate': '초당 입장',
  'admin.maxActive': '최대 동시 입장',
  'admin.admitted': '누적 입장',
  'admin.state': '입장 상태',
  'admin.state.running': '진행 중',
  'admin.state.paused': '일시 정지',
  'admin.perSec': '초당 {n}',
  'admin.adaptiveRate': '초당 {n} (자동 조절, 최대 초당 {max})',
  'admin.chart': '초당 선점·판매',
  'admin.chart.holds': '초당 선점',
  'admin.chart.sales': '초당 판매',
  'admin.chart.now': '지금',
  'admin.chart.ago': '{n}분 전',
  'admin.chart.agoSec': '{n}초 전',
  'admin.chart.summary': '최근: 초당 선점 {holds}, 판매 {sales}. 최고: 선점 {peakHolds}, 판매 {peakSales}.',
  'admin.chart.waiting': '데이터 수집 중…',
  'admin.controls': '입장 제어',
  'admin.pause': '입장 일시 정지',
  'admin.resume': '입장 재개',
  'admin.apply': '적용',
  'admin.applied': '{time} 적용됨: 입장 {state}, 초당 입장 {rate}, 최대 동시 입장 {max}.',
  'admin.sales': '공연별 판매 현황',
  'admin.sales.concert': '공연',
  'admin.sales.date': '날짜',
  'admin.sales.sold': '판매',
  'admin.sales.held': '선점',
  'admin.sales.seats': '좌석 수',
  'admin.sales.combined': '판매 · 선점 / 좌석',
  'admin.sales.revenue': '매출',
  'admin.sales.total': '합계',
  'admin.sales.empty': '아직 공연이 없습니다.',
  'admin.create': '공연 등록',
  'admin.create.name': '공연명',
  'admin.create.date': '날짜',
  'admin.create.seats': '좌석 수',
  'admin.create.price': '가격(원)',
  'admin.create.submit': '공연 등록',
  'admin.create.done': '“{name}” 공연을 등록했습니다({id}).',
  'admin.updated': '{time} 갱신',
};

const dictionaries = { en, ko };

function initialLang() {
  let saved = null;
  try { saved = localStorage.getItem(kLangKey); } catch { /* storage disabled */ }
  if (saved === 'en' || saved === 'ko') return saved;
  return (navigator.language || '').toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

let lang = initialLang();
const listeners = [];

export function getLang() { return lang; }
export function locale() { return lang === 'ko' ? 'ko-KR' : 'en-GB'; }

export function t(key, params = {}) {
  const text = dictionaries[lang][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

export function hasKey(key) { return key in en; }

// Fills every [data-i18n] element's text and every [data-i18n-attr="attr:key;..."] attribute.
export function applyStatic(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
  for (const button of root.querySelectorAll('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  }
}

export function setLang(next) {
  if (next !== 'en' && next !== 'ko') return;
  lang = next;
  try { localStorage.setItem(kLangKey, next); } catch { /* storage disabled */ }
  applyStatic();
  for (const listener of listeners) listener();
}

export function onLangChange(listener) { listeners.push(listener); }

// Wires the EN / 한국어 buttons found in the page.
export function installToggle() {
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.addEventListener('click', () => setLang(button.dataset.lang));
  }
  applyStatic();
}

export function money(won) {
  return new Intl.NumberFormat(locale(), { style: 'currency', currency: 'KRW', maximumFractionDigits: 0 })
    .format(won);
}

// A compact price for a seat tile: 99k / 9.9만.
export function shortMoney(won) {
  if (lang === 'ko') {
    if (won >= 10000) return `${trim(won / 10000)}만`;
    return `${won.toLocaleString('ko-KR')}`;
  }
  if (won >= 1000) return `${trim(won / 1000)}k`;
  return String(won);
}

function trim(n) { return String(Math.round(n * 10) / 10); }

export function number(n) { return new Intl.NumberFormat(locale()).format(n); }

// A YYYY-MM-DD date, shown as a calendar day (no time zone shift).
export function formatDate(ymd) {
  const [y, m, d] = String(ymd).split('-').map(Number);
  if (!y || !m || !d) return String(ymd);
  return new Intl.DateTimeFormat(locale(), {
    year: 'numeric', month: 'short', day: 'numeric', weekday: 'short', timeZone: 'UTC',
  }).format(new Date(Date.UTC(y, m - 1, d)));
}

export function formatTime(date) {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    .format(date);
}

// m:ss (or h:mm:ss) for a countdown.
export function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

export function eta(seconds) {
  if (seconds < 60) return seconds <= 10 ? t('queue.eta.soon') : t('queue.eta.sec', { n: Math.ceil(seconds) });
  return t('queue.eta.min', { n: Math.ceil(seconds / 60) });
}

// The wait's p10..p90 range ("about 2–4 min"); one figure when both ends read the same.
export function etaRange(seconds, [low, high] = [seconds, seconds]) {
  if (eta(low) === eta(high)) return eta(seconds);
  if (high < 60) return t('queue.eta.range.sec', { low: Math.ceil(low), high: Math.ceil(high) });
  return t('queue.eta.range.min', { low: Math.max(1, Math.ceil(low / 60)), high: Math.ceil(high / 60) });
}

// A human sentence for an ApiError (or anything thrown). `context` fills {seat}, {price};
// `variant` picks a more specific message ("queue" for a queue token, "admin" for the console).
export function errorText(error, context = {}, variant = '') {
  const code = error && error.code ? error.code : 'UNKNOWN';
  if (variant && hasKey(`error.${code}.${variant}`)) return t(`error.${code}.${variant}`, context);
  if (hasKey(`error.${code}`)) return t(`error.${code}`, { code, ...context });
  return t('error.UNKNOWN', { code });
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// English and Russian. The English text is the key (the user guide's
// wording); RU maps it to the Russian guide's wording. Dotted keys
// (status.running, outcome.busy, ...) name values of the API. The choice
// is kept in localStorage.
const EN = {
  'status.draft': 'Draft', 'status.scheduled': 'Scheduled', 'status.running': 'Running', 'status.paused': 'Paused',
  'status.completed': 'Completed', 'status.cancelled': 'Cancelled', 'status.none': '—',
  'outcome.completed': 'Completed', 'outcome.busy': 'Busy', 'outcome.no_answer': 'No answer',
  'outcome.unavailable': 'Unavailable', 'outcome.machine': 'Answering machine', 'outcome.short': 'Short call',
  'outcome.failure': 'Failure', 'outcome.cancelled': 'Cancelled', 'outcome.pending': 'Pending',
  'reason.reached': 'client reached', 'reason.attempts_exhausted': 'attempts exhausted',
  'reason.side_rule_exhausted': 'another rule exhausted', 'reason.no_rule': 'no rule for this outcome',
  'reason.max_total_attempts': 'total attempts cap', 'reason.task_ended': 'task ended', 'reason.cancelled': 'cancelled',
  'amd.human': 'Human', 'amd.machine': 'Answering machine', 'gender.male': 'Male', 'gender.female': 'Female',
};

const RU = {
  // shell, menu
  'Calls': 'Звонки', 'Call tasks': 'Задания на обзвон', 'Call task templates': 'Шаблоны заданий на обзвон',
  'Telephony': 'Телефония', 'Recall rules': 'Правила перезвона', 'Caller ID groups': 'Группы АОН',
  'Dial plans': 'Планы набора', 'Trunks': 'Транки', 'Call routing': 'Маршрутизация вызовов', 'Scripts': 'Сценарии',
  'Audio files': 'Аудиофайлы', 'Log in': 'Войти', 'Log out': 'Выйти', 'Language': 'Язык', 'Main menu': 'Главное меню',
  'Email': 'Эл. почта', 'Password': 'Пароль', 'Wrong email or password': 'Неверная почта или пароль',
  'Outbound call campaigns with voice bots': 'Исходящие обзвоны голосовыми роботами', 'Loading…': 'Загрузка…',
  // common
  'Save': 'Сохранить', 'Cancel': 'Отмена', 'Close': 'Закрыть', 'Delete': 'Удалить', 'Edit': 'Редактировать',
  'Deleted': 'Удалено', 'Saved': 'Сохранено', 'Search': 'Поиск', 'Search by name': 'Поиск по названию',
  'Clear': 'Очистить', 'Actions': 'Действия', 'Name': 'Название', 'Id': 'Id', 'Created': 'Создано', 'Updated': 'Изменено',
  'Nothing here yet': 'Здесь пока пусто', 'Page size': 'Размер страницы', 'of': 'из', 'All': 'Все', 'Details': 'Подробнее',
  'Upload': 'Загрузить', 'Remove': 'Убрать', 'Up': 'Выше', 'Status': 'Статус', 'From': 'С', 'To': 'По', 'Time': 'Время',
  'Date': 'Дата', 'Error': 'Ошибка', 'Line': 'Строка', 'done': 'готово', 'total': 'всего', 'Live': 'Обновляется',
  's': 'с', 'min': 'мин', 'h': 'ч', 'at': 'через', 'line': 'строка', 'column': 'столбец', 'default': 'по умолчанию',
  'Mon': 'Пн', 'Tue': 'Вт', 'Wed': 'Ср', 'Thu': 'Чт', 'Fri': 'Пт', 'Sat': 'Сб', 'Sun': 'Вс',
  // statuses and outcomes
  'status.draft': 'Черновик', 'status.scheduled': 'Запланировано', 'status.running': 'Выполняется', 'status.paused': 'Приостановлено',
  'status.completed': 'Завершено', 'status.cancelled': 'Отменено', 'status.none': '—',
  'outcome.completed': 'Состоялся', 'outcome.busy': 'Занято', 'outcome.no_answer': 'Нет ответа',
  'outcome.unavailable': 'Недоступен', 'outcome.machine': 'Автоответчик', 'outcome.short': 'Короткий вызов',
  'outcome.failure': 'Отказ оператора', 'outcome.cancelled': 'Отменён', 'outcome.pending': 'Ожидает',
  'reason.reached': 'клиент дозвонён', 'reason.attempts_exhausted': 'попытки исчерпаны',
  'reason.side_rule_exhausted': 'исчерпано другое правило', 'reason.no_rule': 'нет правила для этого события',
  'reason.max_total_attempts': 'предел общего числа попыток', 'reason.task_ended': 'задание завершено', 'reason.cancelled': 'отменено',
  'amd.human': 'Человек', 'amd.machine': 'Автоответчик', 'gender.male': 'Мужской', 'gender.female': 'Женский',
  // call tasks
  'Add new call task': 'Добавить задание на обзвон', 'Edit call task': 'Редактирование задания на обзвон',
  'Task name': 'Название задания', 'Please select script': 'Выберите сценарий', 'Download template': 'Скачать шаблон',
  'Dial plan': 'План набора', 'Ambient noise': 'Фоновый шум', 'Ambient noise volume, %': 'Громкость фонового шума, %', 'Not selected': 'Не выбрано', 'Listen': 'Прослушать',
  'Human/Robot identification system': 'Система определения "Человек/Робот"', 'Enabled': 'Включено', 'Disabled': 'Выключено',
  'Operation mode': 'Режим работы', 'Background identification mode': 'Фоновый режим определения',
  'Detection mode with lockout': 'Определение с блокировкой', 'Greeting file': 'Файл приветствия', 'Without a greeting': 'Без приветствия',
  'Definable phone number': 'Определяемый номер', 'Default': 'По умолчанию', 'CallerID Groups': 'Выбрать группу АОН',
  'CallerID': 'Произвольный номер', 'Caller ID group': 'Группа АОН', 'Caller ID': 'АОН', 'Select a group': 'Выберите группу',
  'Redirect by default': 'Переадресация по умолчанию', 'Hangup': 'Завершить вызов', 'Dialing plan': 'План набора',
  'Call transfer': 'Направление перевода', 'Customer transfer': 'Перевод на номер клиента', 'Another bot': 'Другой скрипт',
  'Target phone number': 'Номер для переадресации', 'Call transfer direction': 'Направление перевода', 'Select a route': 'Выберите направление',
  'Script': 'Сценарий', 'Task start mode': 'Режим запуска задания', 'Manually': 'Вручную', 'Scheduled': 'По расписанию',
  'Start date and time': 'Дата и время запуска', 'Dialing': 'Обзвон', 'Number of simultaneous calls': 'Количество одновременных звонков',
  'Calls started per second: 1 = 1000 clients per 1000 seconds': 'Звонков в секунду: 1 = 1000 клиентов за 1000 секунд',
  'Ring timeout, s': 'Время ожидания ответа, с', 'Ineffective call duration, s': 'Длительность нерезультативного звонка, с',
  'Shorter answered calls count as ineffective in reports': 'Более короткие звонки считаются нерезультативными в отчётах',
  'Determination of gender': 'Определение гендерного признака', 'Call time limiter': 'Ограничитель по времени обзвона',
  'Days': 'Дни', 'Time zone': 'Часовой пояс', 'Test call': 'Тестовый звонок', 'Test call phone': 'Номер для тестового звонка',
  'One phone number instead of a clients file': 'Один номер вместо файла клиентов', 'E.164 country': 'Формат E.164: страна',
  'Russia': 'Россия', 'Kazakhstan': 'Казахстан', 'Do not recall': 'Не перезванивать', 'Use template': 'Использовать шаблон',
  'Recall rule set': 'Набор правил перезвона', 'Select a rule set': 'Выберите набор правил', 'Conditions': 'События',
  'Call candidates file': 'Файл с клиентами для обзвона', 'Select a dial plan': 'Выберите план набора',
  'CSV with a header row: phone (required), client_id, timezone, then one column per script variable':
    'CSV с заголовком: phone (обязательно), client_id, timezone, далее по столбцу на каждую переменную сценария',
  'Search by task name or Id': 'Поиск по названию или Id задания', 'Call period': 'Период звонков', 'Start': 'Запуск',
  'Imported': 'Загружено', 'Duplicates': 'Дубликаты', 'Rejected': 'Отклонено',
  'Upload .wav files on the Audio files page': 'Файлы .wav загружаются на странице «Аудиофайлы»',
  'Call settings': 'Параметры звонка', 'Launch and intensity': 'Запуск и интенсивность обзвона',
  'Recalls and clients': 'Перезвоны и клиенты', 'Recalls': 'Перезвоны',
  // task page
  'Resume': 'Возобновить', 'Pause': 'Приостановить', 'Cancel calls': 'Отменить звонки',
  'Cancel dialing and every pending recall of this task?': 'Остановить обзвон и отменить все запланированные перезвоны?',
  'Export call report': 'Выгрузить отчет по звонкам', 'Export call report with variables': 'Выгрузить отчет по звонкам с переменными',
  'Download call report': 'Скачать отчет', 'Call reports': 'Отчеты по звонкам', 'Call report': 'Отчет по звонкам',
  'Call report with variables': 'Отчет по звонкам с переменными', 'The report is being prepared': 'Отчет формируется',
  'Queued': 'В очереди', 'Failed': 'Ошибка',
  'Statistics': 'Статистика', 'Call task status': 'Статус задания на обзвон', 'Call results': 'Результативность звонков',
  'Transfers to operators': 'Переводы на операторов', 'Pending': 'Ожидают', 'In progress': 'В работе', 'Finished': 'Завершены',
  'Effective': 'Результативные', 'Ineffective': 'Нерезультативные', 'Transferred': 'Переведены', 'Not transferred': 'Не переведены',
  'Clients': 'Клиенты', 'Client ID': 'ID клиента', 'Phone': 'Номер телефона', 'Planned time': 'Плановое время',
  'Duration': 'Длительность', 'Cost': 'Стоимость', 'All statuses': 'Все статусы', 'No calls yet': 'Звонков пока нет',
  'Play the conversation': 'Прослушать разговор', 'Call details': 'Подробнее о звонке', 'Open the script': 'Открыть сценарий',
  'Call': 'Звонок', 'Attempt': 'Попытка', 'SIP code': 'SIP-код', 'AMD': 'Человек/Робот', 'Gender': 'Пол', 'Transfer': 'Перевод', 'Transferred to': 'Переведён на', 'ms': 'мс', 'Result': 'Результат',
  'Started': 'Начало', 'Answered': 'Ответ', 'Ended': 'Окончание', 'Variables': 'Переменные', 'No variables': 'Нет переменных',
  'Recording': 'Запись разговора',
  // templates
  'Add new call task template': 'Добавить шаблон задания на обзвон', 'Edit call task template': 'Редактирование шаблона',
  'Template name': 'Название шаблона', 'CRM integration': 'Интеграция с CRM', 'CRM endpoint': 'Адрес для CRM',
  'Callback URL': 'Адрес для результатов', 'Callback secret': 'Ключ подписи',
  'Results are POSTed to the callback URL signed with this key (X-Voxdial-Signature: sha256=HMAC). It is shown only once.':
    'Результаты отправляются на адрес для результатов с подписью этим ключом (X-Voxdial-Signature: sha256=HMAC). Ключ показывается только один раз.',
  // recall rules
  'New recall rule': 'Новое правило перезвона', 'Change recall rule': 'Изменение правила перезвона',
  'Recall rule name': 'Название правила перезвона', 'Recall rules for Megafon': 'Правила перезвона для Мегафона',
  'Parameters': 'Параметры', 'Condition': 'Событие', 'Interval, s': 'Интервал, с', 'Attempts': 'Попытки',
  'Short call up to, s': 'Короткий вызов до, с', 'If busy': 'Занято', 'If there is no answer': 'Нет ответа',
  'If the answering machine': 'Автоответчик', 'If the call is short': 'Короткий вызов', 'If operator failure': 'Отказ оператора',
  'What will happen': 'Что произойдёт', 'Outcomes of successive attempts': 'Результаты последовательных попыток',
  'Pick the outcomes of successive attempts to see the schedule': 'Выберите результаты попыток, чтобы увидеть расписание перезвонов',
  'Outcome': 'Результат', 'First call': 'Первый звонок', 'Recall for': 'Перезвон по правилу', 'Next': 'Далее',
  'Counted attempts': 'Засчитано попыток',
  // caller ID
  'New caller ID': 'Новый определитель номера', 'Change caller ID': 'Изменение группы АОН', 'Phone numbers': 'Номера телефонов',
  'New phone number': 'Новый телефон', 'No phone numbers yet': 'Номеров пока нет', 'Select a trunk': 'Выберите транк',
  // dial plans
  'New dial plan': 'Новый план набора', 'Edit dial plan': 'Редактирование плана набора', 'Trunk': 'Транк',
  'Prefix': 'Префикс', 'Digits added in front of the number': 'Цифры, добавляемые перед номером', 'Strip digits': 'Отбросить цифр',
  'Allowed number patterns': 'Разрешённые шаблоны номеров', 'Allowed numbers': 'Разрешённые номера',
  'One pattern per line, e.g. _7XXXXXXXXXX': 'По одному шаблону в строке, например _7XXXXXXXXXX', 'Tariff': 'Тариф',
  'Price per minute': 'Цена минуты', 'Currency': 'Валюта', 'Billing step, s': 'Шаг тарификации, с',
  'Minimum billable, s': 'Минимум к оплате, с', 'Connection fee': 'Плата за соединение', 'Default dial plan': 'План набора по умолчанию',
  // trunks
  'New trunk': 'Новый транк', 'Edit trunk': 'Редактирование транка', 'Host': 'Хост', 'Port': 'Порт', 'Transport': 'Транспорт',
  'Username': 'Логин', 'From domain': 'Домен From', 'Default caller ID': 'АОН по умолчанию', 'Max channels': 'Макс. каналов',
  'Max calls per second': 'Макс. вызовов в секунду', 'Limits': 'Ограничения', 'channels': 'каналов', 'CPS': 'выз/с',
  'Leave empty to keep the stored password': 'Оставьте пустым, чтобы не менять пароль',
  // routes
  'New route direction': 'Новое направление маршрута', 'Edit route': 'Редактирование маршрута', 'Route name': 'Название маршрута',
  'Route type': 'Тип маршрута', 'Standard': 'Стандартный', 'Peering': 'Стыковка АТС', 'Number pattern': 'Шаблон номера',
  'Peering: PBX interconnection, internal numbers, not billed': 'Стыковка АТС: внутренние номера, без тарификации',
  'A number or an Asterisk pattern: _X any digit, _Z 1-9, _N 2-9, [1-5], . one or more, ! zero or more':
    'Номер или шаблон Asterisk: _X любая цифра, _Z 1-9, _N 2-9, [1-5], . один и более, ! ноль и более',
  'Tried in this order': 'Используются в этом порядке', 'Add trunk…': 'Добавить транк…', 'Invalid pattern at position': 'Ошибка в шаблоне в позиции',
  'Pattern is valid': 'Шаблон корректен', 'empty pattern': 'пустой шаблон', "nothing after '_'": "ничего после '_'",
  "nothing may follow '.' or '!'": "после '.' или '!' ничего не может быть", "unclosed '['": "не закрыта '['",
  'character not allowed in a set': 'недопустимый символ в наборе', 'a range needs digits': 'диапазон задаётся цифрами',
  'range end below its start': 'конец диапазона меньше начала', 'empty set': 'пустой набор', "']' without '['": "']' без '['",
  'unknown pattern character': 'неизвестный символ шаблона', 'pattern too long': 'слишком длинный шаблон',
  "not a dialable character (a pattern starts with '_')": "недопустимый символ (шаблон начинается с '_')",
  // scripts
  'New script': 'Новый сценарий', 'Blocks': 'Блоки', 'Results': 'Результаты', 'Script (JSON block graph)': 'Сценарий (граф блоков в JSON)',
  'Diagram': 'Схема', 'The script is valid': 'Сценарий корректен', 'Fix the JSON to see the diagram': 'Исправьте JSON, чтобы увидеть схему',
  'Fix the problems listed under the editor first': 'Сначала исправьте ошибки, перечисленные под редактором',
  // audio
  'Upload audio file': 'Загрузить аудиофайл', 'Edit audio file': 'Редактирование аудиофайла', 'Kind': 'Тип',
  'Greeting': 'Приветствие', 'Prompt': 'Фраза', 'File (.wav)': 'Файл (.wav)', 'Choose a .wav file': 'Выберите файл .wav',
};

const DICTS = { en: EN, ru: RU };
let current = (() => {
  try { return localStorage.getItem('vd_lang') === 'ru' ? 'ru' : 'en'; } catch (e) { return 'en'; }
})();

export function lang() { return current; }

export function setLang(l) {
  current = DICTS[l] ? l : 'en';
  try { localStorage.setItem('vd_lang', current); } catch (e) { /* private mode: not kept */ }
}

/** The label for `key` in the current language (the key itself when none). */
export function t(key) {
  if (key === null || key === undefined) return '';
  const d = DICTS[current];
  if (Object.prototype.hasOwnProperty.call(d, key)) return d[key];
  if (current !== 'en' && Object.prototype.hasOwnProperty.call(EN, key)) return EN[key];
  return key;
}
